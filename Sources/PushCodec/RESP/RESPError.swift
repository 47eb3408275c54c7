/// Why a RESP stream was refused; `description` is one line for a log.
public enum RESPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bytes that are not RESP2.
    case malformed(String)
    /// A well-formed value larger than `RESPLimits` allow.
    case limitExceeded(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed RESP: \(reason)"
        case .limitExceeded(let reason): "RESP limit exceeded: \(reason)"
        }
    }
}

/// What one peer may make the decoder hold. Every limit is checked when the header that announces
/// the size arrives, before any of it is buffered.
public struct RESPLimits: Equatable, Sendable {
    /// Largest bulk string.
    public var maxBulkBytes: Int
    /// Most elements in one array.
    public var maxArrayElements: Int
    /// Deepest nesting of arrays (1: an array of scalars).
    public var maxDepth: Int
    /// Longest simple string, error or integer line (type byte and CRLF excluded).
    public var maxLineBytes: Int
    /// Most bytes one top-level value may span on the wire: bounds a nested reply as a whole.
    public var maxValueBytes: Int

    public init(maxBulkBytes: Int = 8 << 20, maxArrayElements: Int = 1 << 16, maxDepth: Int = 8,
                maxLineBytes: Int = 64 << 10, maxValueBytes: Int = 16 << 20) {
        self.maxBulkBytes = maxBulkBytes
        self.maxArrayElements = maxArrayElements
        self.maxDepth = maxDepth
        self.maxLineBytes = maxLineBytes
        self.maxValueBytes = maxValueBytes
    }
}
