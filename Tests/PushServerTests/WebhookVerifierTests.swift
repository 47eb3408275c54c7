import PushCodec
@testable import PushHTTP
@testable import PushServer
import Testing

@Suite struct WebhookVerifierTests {
    struct Vector { let key: String, body: [UInt8], hmac: String }

    private func vector() throws -> Vector {
        let json = try JSONParser.parse(try WebhookFixture.bytes("24-waha-hmac-vector.json"))
        return Vector(key: try #require(json["key"]?.stringValue), body: Array(try #require(json["body"]?.stringValue).utf8),
                      hmac: try #require(json["hmacSha512Hex"]?.stringValue))
    }

    @Test func hmacVector_fromWAHADocs_matchesDigest() throws {
        let v = try vector()
        #expect(v.key == "my-secret-key")
        #expect(v.body == Array(#"{"event":"message","session":"default","engine":"WEBJS"}"#.utf8))
        #expect(v.hmac == "208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8097c462b2b17a6ce93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89")
        #expect(Digest.hex(Digest.hmacSHA512(key: Array(v.key.utf8), data: v.body)) == v.hmac)
    }

    @Test func hmacHeader_valid_isAccepted_anyCaseAndWithAlgorithm() throws {
        let v = try vector()
        #expect(WebhookVerifier.verify(headers: HTTPHeaders([("X-Webhook-Hmac", v.hmac)]), body: v.body, secret: v.key))
        #expect(WebhookVerifier.verify(headers: HTTPHeaders([("x-webhook-hmac", v.hmac.uppercased()),
                                                             ("X-Webhook-Hmac-Algorithm", "sha512")]),
                                       body: v.body, secret: v.key))
    }

    @Test func hmacHeader_tamperedBodyOrWrongKey_isRejected() throws {
        let v = try vector()
        var tampered = v.body
        tampered[tampered.count - 3] ^= 0x01
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("X-Webhook-Hmac", v.hmac)]), body: tampered, secret: v.key))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("X-Webhook-Hmac", v.hmac)]), body: v.body + [0x0A], secret: v.key))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("X-Webhook-Hmac", v.hmac)]), body: v.body, secret: "my-secret-kez"))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("X-Webhook-Hmac", String(v.hmac.dropLast()))]),
                                        body: v.body, secret: v.key))
    }

    @Test func hmacHeader_otherAlgorithmOrRepeated_isRejected() throws {
        let v = try vector()
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("X-Webhook-Hmac", v.hmac), ("X-Webhook-Hmac-Algorithm", "sha256")]),
                                        body: v.body, secret: v.key))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("X-Webhook-Hmac", v.hmac), ("X-Webhook-Hmac", v.hmac)]),
                                        body: v.body, secret: v.key))
    }

    @Test func apiKey_rightWrongMissing() {
        let body = Array("{}".utf8)
        #expect(WebhookVerifier.verify(headers: HTTPHeaders([("x-api-key", "s3cret")]), body: body, secret: "s3cret"))
        #expect(WebhookVerifier.verify(headers: HTTPHeaders([("X-API-KEY", "s3cret")]), body: body, secret: "s3cret"))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("x-api-key", "s3cre")]), body: body, secret: "s3cret"))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("x-api-key", "s3cret ")]), body: body, secret: "s3cret"))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("x-api-key", "")]), body: body, secret: "s3cret"))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders(), body: body, secret: "s3cret"))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("x-api-key", "s3cret"), ("x-api-key", "other")]),
                                        body: body, secret: "s3cret"))
    }

    @Test func emptySecret_admitsNothing() {
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("x-api-key", "")]), body: [], secret: ""))
        let hmac = Digest.hex(Digest.hmacSHA512(key: [UInt8](), data: [UInt8]()))
        #expect(!WebhookVerifier.verify(headers: HTTPHeaders([("X-Webhook-Hmac", hmac)]), body: [], secret: ""))
    }
}
