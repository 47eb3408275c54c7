/// One RESP2 value, as Redis sends it (https://redis.io/docs/latest/develop/reference/protocol-spec/).
///
/// Bulk strings are bytes (Redis values are binary-safe); simple strings and errors are text
/// (they cannot hold CR or LF, and Redis writes them in ASCII; other bytes are decoded leniently).
public enum RESPValue: Equatable, Sendable {
    /// `+OK\r\n`
    case simpleString(String)
    /// `-ERR unknown command\r\n`
    case error(String)
    /// `:42\r\n`
    case integer(Int64)
    /// `$3\r\nfoo\r\n`; nil is the null bulk string `$-1\r\n` (a missing key).
    case bulkString([UInt8]?)
    /// `*2\r\n…`; nil is the null array `*-1\r\n` (e.g. an aborted transaction).
    case array([RESPValue]?)

    /// A bulk string of the UTF-8 bytes of `text`.
    public static func bulk(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

    /// The bytes of a bulk or simple string; nil for anything else, including the null bulk string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        default: nil
        }
    }

    /// A bulk or simple string as text (invalid UTF-8 is replaced, never refused).
    public var text: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    /// The value of an integer reply.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of a non-null array.
    public var elements: [RESPValue]? {
        if case .array(let elements?) = self { return elements }
        return nil
    }

    /// True for the null bulk string and the null array.
    public var isNull: Bool { self == .bulkString(nil) || self == .array(nil) }
}

/// One argument of a command: commands go to Redis as an array of bulk strings, so a number is
/// written as its decimal text.
public enum RESPArgument: Equatable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes([UInt8])
    case integer(Int64)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
}
