/// Size limits the HTTP parser enforces before it buffers more than a connection deserves.
public struct HTTPLimits: Sendable, Equatable {
    /// Bytes allowed for the request line plus all header lines (including line terminators
    /// and the blank line that ends the head). Over it: `431`.
    public var maxHeaderBytes: Int
    /// Bytes allowed for a request body (after de-chunking). Over it: `413`.
    public var maxRequestBytes: Int
    /// Header field lines allowed in one head (and, separately, in a chunked trailer section). Over it: `431`.
    public var maxHeaderCount: Int

    /// Creates limits; the defaults are those Docs/security.md ("What a connection may cost") names.
    public init(maxHeaderBytes: Int = 16384, maxRequestBytes: Int = 1_048_576, maxHeaderCount: Int = 100) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxRequestBytes = maxRequestBytes
        self.maxHeaderCount = maxHeaderCount
    }
}
