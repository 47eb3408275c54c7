/// Strict RFC 8259 parser: no comments, trailing commas, leading zeros, NaN,
/// unpaired surrogate escapes, raw control characters or invalid UTF-8.
public enum JSONParser {
    /// Default nesting limit for arrays and objects (protects the stack and memory).
    public static let defaultMaxDepth = 64

    /// Parses exactly one JSON value (surrounded by optional whitespace) from raw bytes.
    /// `maxDepth` also bounds the parser's recursion, so keep it modest.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth)
        return try reader.parseDocument()
    }

    /// Parses exactly one JSON value from a byte array.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) -> JSONValue in try parse(raw, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses exactly one JSON value from a string's UTF-8 bytes.
    public static func parse(_ string: String, maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        var text = string
        let result = text.withUTF8 { utf8 in
            Result { () throws(JSONError) -> JSONValue in try parse(UnsafeRawBufferPointer(utf8), maxDepth: maxDepth) }
        }
        return try result.get()
    }
}

/// Recursive-descent cursor over the input; recursion depth is bounded by `maxDepth`.
struct JSONReader {
    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var pos = 0
    private var depth = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if pos < bytes.count {
            throw fail(pos, "trailing \(describe(bytes[pos])) after JSON value")
        }
        return value
    }

    // MARK: Values

    private mutating func parseValue() throws(JSONError) -> JSONValue {
        guard pos < bytes.count else { throw endOfInput() }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw unexpected(pos)
        }
    }

    private mutating func enterContainer() throws(JSONError) {
        depth += 1
        if depth > maxDepth { throw fail(pos, "nesting deeper than \(maxDepth)") }
        pos += 1
    }

    private mutating func parseArray() throws(JSONError) -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            let next = try peek()
            pos += 1
            if next == UInt8(ascii: "]") { break }
            guard next == UInt8(ascii: ",") else { throw fail(pos - 1, "expected ',' or ']' but found \(describe(next))") }
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") { throw fail(pos, "trailing comma before ']'") }
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func parseObject() throws(JSONError) -> JSONValue {
        try enterContainer()
        var object = JSONObject()
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return .object(object)
        }
        while true {
            let keyByte = try peek()
            guard keyByte == UInt8(ascii: "\"") else {
                if keyByte == UInt8(ascii: "}") { throw fail(pos, "trailing comma before '}'") }
                throw fail(pos, "expected string key but found \(describe(keyByte))")
            }
            let key = try parseString()
            skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else { throw fail(pos, "expected ':' but found \(describe(colon))") }
            pos += 1
            skipWhitespace()
            object.append(key: key, value: try parseValue())
            skipWhitespace()
            let next = try peek()
            pos += 1
            if next == UInt8(ascii: "}") { break }
            guard next == UInt8(ascii: ",") else { throw fail(pos - 1, "expected ',' or '}' but found \(describe(next))") }
            skipWhitespace()
        }
        depth -= 1
        return .object(object)
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let start = pos
        let count = word.utf8CodeUnitCount
        guard bytes.count - pos >= count else {
            throw fail(start, "invalid literal")
        }
        let matches = word.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[start + $0] == expected[$0] }
        }
        guard matches else { throw fail(start, "invalid literal") }
        pos += count
    }

    // MARK: Numbers

    private mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = pos
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < bytes.count, isDigit(bytes[pos]) else { throw fail(start, "invalid number") }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count, isDigit(bytes[pos]) { throw fail(start, "leading zeros are not allowed") }
        } else {
            skipDigits()
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw fail(pos, "expected digit after '.'") }
            skipDigits()
        }
        if pos < bytes.count, bytes[pos] | 0x20 == UInt8(ascii: "e") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw fail(pos, "expected digit in exponent") }
            skipDigits()
        }
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        return JSONNumber(validatedLiteral: literal)
    }

    private mutating func skipDigits() {
        while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
    }

    private func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    // MARK: Strings

    /// Parses a string literal starting at its opening quote.
    ///
    /// Unescaped runs are copied in one piece; a buffer is only built once an
    /// escape appears, so the common escape-free key or value costs one pass.
    private mutating func parseString() throws(JSONError) -> String {
        let start = pos
        pos += 1
        var runStart = pos
        var decoded: [UInt8] = []  // empty arrays do not allocate
        var sawEscape = false
        while true {
            guard pos < bytes.count else { throw fail(start, "unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                sawEscape = true
                decoded.append(contentsOf: bytes[runStart..<pos])
                try decodeEscape(into: &decoded, stringStart: start)
                runStart = pos
            } else if b < 0x20 {
                throw fail(pos, "unescaped control character 0x\(hex2(b)) in string")
            } else if b < 0x80 {
                pos += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        let end = pos
        pos += 1
        guard sawEscape else {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self)
        }
        decoded.append(contentsOf: bytes[runStart..<end])
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Decodes the escape at `pos` (a backslash) and appends its UTF-8 bytes.
    private mutating func decodeEscape(into out: inout [UInt8], stringStart: Int) throws(JSONError) {
        let escapeStart = pos
        guard pos + 1 < bytes.count else { throw fail(stringStart, "unterminated string") }
        let c = bytes[pos + 1]
        pos += 2
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try readHex4(escapeStart: escapeStart)
            var scalarValue = UInt32(unit)
            if (0xDC00...0xDFFF).contains(unit) {
                throw fail(escapeStart, "lone low surrogate \\u\(hex4(unit))")
            }
            if (0xD800...0xDBFF).contains(unit) {
                let lowStart = pos
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                    throw fail(escapeStart, "lone high surrogate \\u\(hex4(unit))")
                }
                pos += 2
                let low = try readHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw fail(escapeStart, "lone high surrogate \\u\(hex4(unit))")
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            }
            appendUTF8(scalarValue, to: &out)
        default:
            throw fail(escapeStart, "invalid escape \\\(printable(c) ?? "0x" + hex2(c))")
        }
    }

    private mutating func readHex4(escapeStart: Int) throws(JSONError) -> UInt16 {
        guard bytes.count - pos >= 4 else { throw fail(escapeStart, "invalid \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw fail(escapeStart, "invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            pos += 1
        }
        return value
    }

    private func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case ..<0x80:
            out.append(UInt8(v))
        case ..<0x800:
            out.append(UInt8(0xC0 | v >> 6)); out.append(UInt8(0x80 | v & 0x3F))
        case ..<0x10000:
            out.append(UInt8(0xE0 | v >> 12)); out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
        default:
            out.append(UInt8(0xF0 | v >> 18)); out.append(UInt8(0x80 | v >> 12 & 0x3F))
            out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
        }
    }

    /// Validates one multi-byte UTF-8 sequence at `pos` (Unicode Table 3-7: no overlongs,
    /// no encoded surrogates, nothing above U+10FFFF) and steps over it.
    private mutating func skipUTF8Sequence() throws(JSONError) {
        let lead = bytes[pos]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw fail(pos, "invalid UTF-8")
        }
        guard bytes.count - pos >= length, secondRange.contains(bytes[pos + 1]) else { throw fail(pos, "invalid UTF-8") }
        for i in 2..<length where !(0x80...0xBF).contains(bytes[pos + i]) {
            throw fail(pos, "invalid UTF-8")
        }
        pos += length
    }

    // MARK: Helpers

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private func peek() throws(JSONError) -> UInt8 {
        guard pos < bytes.count else { throw endOfInput() }
        return bytes[pos]
    }

    private func endOfInput() -> JSONError {
        fail(bytes.count, "unexpected end of input")
    }

    private func unexpected(_ at: Int) -> JSONError {
        fail(at, "unexpected \(describe(bytes[at]))")
    }

    private func fail(_ offset: Int, _ what: String) -> JSONError {
        JSONError(offset: offset, message: "\(what) at byte \(offset)")
    }

    /// "character 'x'" for printable ASCII, "byte 0xNN" otherwise.
    private func describe(_ b: UInt8) -> String {
        if let p = printable(b) { return "character '\(p)'" }
        return "byte 0x\(hex2(b))"
    }

    private func printable(_ b: UInt8) -> String? {
        (0x21...0x7E).contains(b) ? String(UnicodeScalar(b)) : nil
    }

    private func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(b >> 4)], digits[Int(b & 0xF)]], as: UTF8.self)
    }

    private func hex4(_ v: UInt16) -> String {
        hex2(UInt8(v >> 8)) + hex2(UInt8(v & 0xFF))
    }
}
