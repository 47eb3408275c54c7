import Testing
@testable import PushCodec

@Suite struct JSONParserTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let input: String
        let expected: JSONValue
        var testDescription: String { input }
    }

    static let valid: [Valid] = [
        Valid(input: "null", expected: .null),
        Valid(input: "true", expected: .bool(true)),
        Valid(input: "false", expected: .bool(false)),
        Valid(input: "0", expected: .number(JSONNumber(0))),
        Valid(input: "-0", expected: .number(JSONNumber(literal: "-0")!)),
        Valid(input: "1.5e-10", expected: .number(JSONNumber(literal: "1.5e-10")!)),
        Valid(input: "1E+2", expected: .number(JSONNumber(literal: "1E+2")!)),
        Valid(input: "\"\"", expected: .string("")),
        Valid(input: "[]", expected: .array([])),
        Valid(input: "{}", expected: .object(JSONObject())),
        Valid(input: " \t\r\n[ 1 , { \"a\" : [ ] } ] \n", expected: [1, ["a": []]]),
        Valid(input: "\"\\u0000\"", expected: .string("\u{0}")),
        Valid(input: "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", expected: .string("\"\\/\u{8}\u{C}\n\r\t")),
        Valid(input: "\"\\u00e9\\u00E9\"", expected: .string("éé")),
        Valid(input: "\"\\uD83D\\uDE00\"", expected: .string("😀")),
        Valid(input: "\"a\\uD83D\\uDE00b\\n\"", expected: .string("a😀b\n")),
        Valid(input: "\"😀 שלום\"", expected: .string("😀 שלום")),
        Valid(input: "\"\\uFFFF\\u0800\"", expected: .string("\u{FFFF}\u{800}")),
        Valid(input: "{\"a\":{\"b\":[true,null]}}", expected: ["a": ["b": [true, .null]]]),
    ]

    @Test(arguments: valid)
    func parser_acceptsValidDocument(_ c: Valid) throws {
        #expect(try JSONParser.parse(c.input) == c.expected)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let input: String
        let offset: Int
        let message: String
        var testDescription: String { input.debugDescription }
    }

    static let invalid: [Invalid] = [
        Invalid(input: "", offset: 0, message: "unexpected end of input at byte 0"),
        Invalid(input: "   ", offset: 3, message: "unexpected end of input at byte 3"),
        Invalid(input: "[1,]", offset: 3, message: "trailing comma before ']' at byte 3"),
        Invalid(input: "{\"a\":1,}", offset: 7, message: "trailing comma before '}' at byte 7"),
        Invalid(input: "[1 2]", offset: 3, message: "expected ',' or ']' but found character '2' at byte 3"),
        Invalid(input: "{\"a\":1 \"b\":2}", offset: 7, message: "expected ',' or '}' but found character '\"' at byte 7"),
        Invalid(input: "{\"a\" 1}", offset: 5, message: "expected ':' but found character '1' at byte 5"),
        Invalid(input: "{1:2}", offset: 1, message: "expected string key but found character '1' at byte 1"),
        Invalid(input: "[1", offset: 2, message: "unexpected end of input at byte 2"),
        Invalid(input: "01", offset: 0, message: "leading zeros are not allowed at byte 0"),
        Invalid(input: "[-01]", offset: 1, message: "leading zeros are not allowed at byte 1"),
        Invalid(input: "1.", offset: 2, message: "expected digit after '.' at byte 2"),
        Invalid(input: ".5", offset: 0, message: "unexpected character '.' at byte 0"),
        Invalid(input: "1e", offset: 2, message: "expected digit in exponent at byte 2"),
        Invalid(input: "1e+", offset: 3, message: "expected digit in exponent at byte 3"),
        Invalid(input: "-", offset: 0, message: "invalid number at byte 0"),
        Invalid(input: "+1", offset: 0, message: "unexpected character '+' at byte 0"),
        Invalid(input: "NaN", offset: 0, message: "unexpected character 'N' at byte 0"),
        Invalid(input: "Infinity", offset: 0, message: "unexpected character 'I' at byte 0"),
        Invalid(input: "-Infinity", offset: 0, message: "invalid number at byte 0"),
        Invalid(input: "tru", offset: 0, message: "invalid literal at byte 0"),
        Invalid(input: "[nul]", offset: 1, message: "invalid literal at byte 1"),
        Invalid(input: "True", offset: 0, message: "unexpected character 'T' at byte 0"),
        Invalid(input: "truex", offset: 4, message: "trailing character 'x' after JSON value at byte 4"),
        Invalid(input: "[1] x", offset: 4, message: "trailing character 'x' after JSON value at byte 4"),
        Invalid(input: "1 2", offset: 2, message: "trailing character '2' after JSON value at byte 2"),
        Invalid(input: "{} {}", offset: 3, message: "trailing character '{' after JSON value at byte 3"),
        Invalid(input: "// c\n1", offset: 0, message: "unexpected character '/' at byte 0"),
        Invalid(input: "[1/* c */]", offset: 2, message: "expected ',' or ']' but found character '/' at byte 2"),
        Invalid(input: "'a'", offset: 0, message: "unexpected character ''' at byte 0"),
        Invalid(input: "\"abc", offset: 0, message: "unterminated string at byte 0"),
        Invalid(input: "[\"abc", offset: 1, message: "unterminated string at byte 1"),
        Invalid(input: "\"abc\\", offset: 0, message: "unterminated string at byte 0"),
        Invalid(input: "\"a\tb\"", offset: 2, message: "unescaped control character 0x09 in string at byte 2"),
        Invalid(input: "\"a\nb\"", offset: 2, message: "unescaped control character 0x0A in string at byte 2"),
        Invalid(input: "\"\u{1F}\"", offset: 1, message: "unescaped control character 0x1F in string at byte 1"),
        Invalid(input: "\"\\x\"", offset: 1, message: "invalid escape \\x at byte 1"),
        Invalid(input: "\"\\'\"", offset: 1, message: "invalid escape \\' at byte 1"),
        Invalid(input: "\"\\u12\"", offset: 1, message: "invalid \\u escape at byte 1"),
        Invalid(input: "\"ab\\u12G4\"", offset: 3, message: "invalid \\u escape at byte 3"),
        Invalid(input: "\"\\uD800\"", offset: 1, message: "lone high surrogate \\uD800 at byte 1"),
        Invalid(input: "\"\\uDBFF\"", offset: 1, message: "lone high surrogate \\uDBFF at byte 1"),
        Invalid(input: "\"\\uDC00\"", offset: 1, message: "lone low surrogate \\uDC00 at byte 1"),
        Invalid(input: "\"\\uD800\\u0041\"", offset: 1, message: "lone high surrogate \\uD800 at byte 1"),
        Invalid(input: "\"\\uD800x\"", offset: 1, message: "lone high surrogate \\uD800 at byte 1"),
        Invalid(input: "\"\\uDE00\\uD83D\"", offset: 1, message: "lone low surrogate \\uDE00 at byte 1"),
        Invalid(input: "\"\\uD83D\\uZZZZ\"", offset: 7, message: "invalid \\u escape at byte 7"),
        Invalid(input: "\u{FEFF}1", offset: 0, message: "unexpected byte 0xEF at byte 0"),
        Invalid(input: "\u{0}", offset: 0, message: "unexpected byte 0x00 at byte 0"),
    ]

    @Test(arguments: invalid)
    func parser_rejectsInvalidDocument_withOffsetAndMessage(_ c: Invalid) {
        #expect(throws: JSONError(offset: c.offset, message: c.message)) { try JSONParser.parse(c.input) }
    }

    static let invalidUTF8: [[UInt8]] = [
        [0x22, 0xFF, 0x22],                    // never valid
        [0x22, 0x80, 0x22],                    // lone continuation byte
        [0x22, 0xC0, 0x80, 0x22],              // overlong NUL
        [0x22, 0xC1, 0xBF, 0x22],              // overlong ASCII
        [0x22, 0xE0, 0x80, 0x80, 0x22],        // overlong 3-byte
        [0x22, 0xED, 0xA0, 0x80, 0x22],        // UTF-8-encoded surrogate U+D800
        [0x22, 0xF0, 0x80, 0x80, 0x80, 0x22],  // overlong 4-byte
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],  // lead byte beyond Unicode
        [0x22, 0xE2, 0x82, 0x22],              // truncated sequence
        [0x22, 0xC3],                          // truncated at end of input
    ]

    @Test(arguments: invalidUTF8)
    func parser_rejectsInvalidUTF8InString(_ bytes: [UInt8]) {
        #expect(throws: JSONError(offset: 1, message: "invalid UTF-8 at byte 1")) { try JSONParser.parse(bytes) }
    }

    @Test func parser_rejectsInvalidUTF8OutsideString() {
        #expect(throws: JSONError(offset: 1, message: "unexpected byte 0xFF at byte 1")) {
            try JSONParser.parse([UInt8(ascii: "["), 0xFF, UInt8(ascii: "]")])
        }
    }

    @Test func parser_acceptsBoundaryUTF8Scalars() throws {
        // U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF
        let bytes: [UInt8] = [0x22, 0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xEF, 0xBF, 0xBF,
                              0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF, 0x22]
        #expect(try JSONParser.parse(bytes) == .string("\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}"))
    }

    @Test func parser_acceptsNestingAtDepthLimit() throws {
        let text = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        var value = try JSONParser.parse(text)
        var depth = 0
        while case .array(let inner) = value { depth += 1; value = inner.first ?? .null }
        #expect(depth == 64)
    }

    @Test func parser_rejectsNestingBeyondDepthLimit() {
        let text = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONError(offset: 64, message: "nesting deeper than 64 at byte 64")) {
            try JSONParser.parse(text)
        }
    }

    @Test func parser_countsObjectsTowardDepth_withCustomLimit() throws {
        #expect(try JSONParser.parse("{\"a\":[1]}", maxDepth: 2) == ["a": [1]])
        #expect(throws: JSONError(offset: 8, message: "nesting deeper than 2 at byte 8")) {
            try JSONParser.parse("{\"a\":[1,{\"b\":0}]}", maxDepth: 2)
        }
    }

    @Test func parser_keepsDuplicateKeys_lookupReturnsLast() throws {
        let value = try JSONParser.parse("{\"a\":1,\"b\":2,\"a\":3}")
        let object = try #require(value.objectValue)
        #expect(object.count == 3)
        #expect(object.keys == ["a", "b"])
        #expect(value["a"] == 3)
        #expect(value.jsonString == "{\"a\":1,\"b\":2,\"a\":3}")
    }

    @Test func parser_parsesFromUnsafeRawBufferWithoutCopy() throws {
        let bytes = Array("[5,\"WhatsApp\"]".utf8)
        let value = try bytes.withUnsafeBytes { raw in try JSONParser.parse(raw) }
        #expect(value == [5, "WhatsApp"])
    }

    @Test func parser_emptyRawBuffer_isEndOfInput() {
        #expect(throws: JSONError(offset: 0, message: "unexpected end of input at byte 0")) {
            try JSONParser.parse(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }
}
