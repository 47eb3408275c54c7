/// Byte classes of the HTTP/1.1 grammar (RFC 9110 §5.6, RFC 9112).
enum HTTPASCII {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let space: UInt8 = 32
    static let htab: UInt8 = 9
    static let colon: UInt8 = 58
    static let semicolon: UInt8 = 59

    /// `tchar` of RFC 9110 §5.6.2: the characters allowed in methods and field names.
    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func isWhitespace(_ c: UInt8) -> Bool { c == space || c == htab }

    /// Control characters (and DEL), which never belong in a field value except HTAB.
    static func isForbiddenInFieldValue(_ c: UInt8) -> Bool { (c < 0x20 && c != htab) || c == 0x7F }

    /// Visible US-ASCII (RFC 5234 VCHAR): the only bytes of a request target.
    static func isVisible(_ c: UInt8) -> Bool { c > 0x20 && c < 0x7F }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
