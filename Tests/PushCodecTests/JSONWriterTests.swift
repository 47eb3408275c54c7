import Testing
@testable import PushCodec

@Suite struct JSONWriterTests {
    static let byteExactDocuments: [String] = [
        "{\"b\":1,\"a\":[1.0,1e3,-0,0.1E-2,12345678901234567890123,-1.5e+300]}",
        "\"emoji 😀👍🏽👨‍👩‍👧 and RTL שלום مرحبا \u{200F}\"",
        "{\"url\":\"https://example.com/a/b?c=d\",\"nul\":\"\\u0000\",\"esc\":\"\\\"\\\\\\n\"}",
        "[true,false,null,\"\",[],{},[[]],{\"\":{}}]",
        "{\"topicId\":\"WhatsApp\",\"chatId\":\"393202696323@c.us\",\"timestamp\":1732500000}",
    ]

    @Test(arguments: byteExactDocuments)
    func writer_reproducesCompactInputByteForByte(_ text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(value.jsonBytes == Array(text.utf8))
        #expect(value.jsonString == text)
    }

    @Test func writer_escapesMinimally() {
        let value = JSONValue.string("a\"b\\c/d\n\r\t\u{8}\u{C}\u{1}\u{1F}\u{7F}é")
        let expected = Array("\"a\\\"b\\\\c/d\\n\\r\\t\\b\\f\\u0001\\u001f".utf8) + [0x7F, 0xC3, 0xA9, 0x22]
        #expect(value.jsonBytes == expected)
    }

    @Test func writer_normalizesRedundantEscapes() throws {
        // "\/" and "\u00e9" are legal input but written the minimal way.
        let value = try JSONParser.parse("\"a\\/b\\u00e9\\uD83D\\uDE00\"")
        #expect(value.jsonString == "\"a/bé😀\"")
    }

    @Test func writer_passesNonASCIIThroughByteExact() {
        let text = "😀 שלום مرحبا 中文"
        var out: [UInt8] = []
        JSONString.write(text, into: &out)
        #expect(out == [0x22] + Array(text.utf8) + [0x22])
    }

    @Test(arguments: ["", "plain", "a\"b", "\u{0}\u{1}\u{1F}", "\\\\", "😀\n", "x\u{7F}y"])
    func jsonString_encodedCount_matchesBothWriters(_ text: String) {
        var appended: [UInt8] = []
        JSONString.write(text, into: &appended)
        let count = JSONString.encodedCount(text)
        let direct = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = JSONString.write(text, to: UnsafeMutableRawPointer(buffer.baseAddress!))
        }
        #expect(appended.count == count)
        #expect(direct == appended)
    }

    @Test func writer_writesObjectsInInsertionOrder() {
        let value: JSONValue = ["z": 1, "a": [true, .null], "m": ["k": "v"]]
        #expect(value.jsonString == "{\"z\":1,\"a\":[true,null],\"m\":{\"k\":\"v\"}}")
    }

    @Test func writer_writesDoubles_nonFiniteAsNull() {
        #expect(JSONValue.number(1.0).jsonString == "1.0")
        #expect(JSONValue.number(0.1).jsonString == "0.1")
        #expect(JSONValue.number(-2.5e-7).jsonString == "-2.5e-07")
        #expect(JSONValue.number(1e16).jsonString == "1e+16")
        #expect(JSONValue.number(Double.nan) == .null)
        #expect(JSONValue.number(-Double.infinity) == .null)
        #expect(JSONValue.number(42).jsonString == "42")
    }

    @Test func writer_outputOfDoubles_parsesBack() throws {
        for d in [1.0, 0.1, -2.5e-7, 1e16, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, -0.0] {
            let text = JSONValue.number(d).jsonString
            #expect(try JSONParser.parse(text).doubleValue == d, "\(text)")
        }
    }
}
