import Testing
@testable import PushCodec

@Suite struct Base64Tests {
    /// RFC 4648 §10 test vectors.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test func base64_encodesRFC4648Vectors() {
        for (plain, encoded) in Self.vectors { #expect(Base64.encode(Array(plain.utf8)) == encoded) }
    }

    @Test func base64_decodesRFC4648Vectors() {
        for (plain, encoded) in Self.vectors { #expect(Base64.decode(encoded) == Array(plain.utf8)) }
    }

    @Test func base64_roundTripsAllByteValues() {
        let bytes = (0...255).map { UInt8($0) }
        let encoded = Base64.encode(bytes)
        #expect(encoded.hasSuffix("+/w=="))
        #expect(Base64.decode(encoded) == bytes)
    }

    @Test func base64_decodesWebSocketSampleNonce() {
        #expect(Base64.decode("dGhlIHNhbXBsZSBub25jZQ==") == Array("the sample nonce".utf8))
    }

    @Test(arguments: ["Zg", "Zg=", "Zh==", "Zm9=", "Z===", "====", "Zm9v=", "Zm=v", "Zm9v\n", "Zm 9", "Zm9-", "Zg==Zg=="])
    func base64_rejectsNonStrictInput(text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
