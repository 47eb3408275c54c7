/// Why JSON text was rejected, and where (byte offset into the input).
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Byte offset the problem was detected at.
    public var offset: Int
    /// One-line reason that already ends with "at byte <offset>".
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { message }
}
