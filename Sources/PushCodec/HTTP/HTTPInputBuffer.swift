/// The bytes an HTTP parser has received, and where its unconsumed part starts. Shared by the
/// request and the response parser (and the chunked decoder they both use); a plain value,
/// owned by its parser.
struct HTTPInputBuffer: Sendable {
    /// Below this many consumed bytes the buffer is not compacted (moving bytes costs more than it saves).
    private static let compactionThreshold = 4096

    private(set) var bytes: [UInt8] = []
    /// Start of the bytes no returned message has consumed yet.
    var readIndex = 0
    /// A drained buffer larger than this is released rather than kept for reuse.
    private let retainedCapacity: Int
    /// Set when the parser has failed: later bytes are ignored (the connection is going away).
    private(set) var isClosed = false

    init(retainedCapacity: Int) {
        self.retainedCapacity = retainedCapacity
    }

    /// Bytes received and not yet consumed.
    var unreadCount: Int { bytes.count - readIndex }

    mutating func append(_ more: UnsafeRawBufferPointer) {
        guard !isClosed else { return }
        compact()
        more.withMemoryRebound(to: UInt8.self) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ more: [UInt8]) {
        guard !isClosed else { return }
        compact()
        bytes.append(contentsOf: more)
    }

    /// Consumes and returns the next `count` bytes, or nil (consuming nothing) until there are that many.
    mutating func take(_ count: Int) -> [UInt8]? {
        guard unreadCount >= count else { return nil }
        defer { readIndex += count }
        return Array(bytes[readIndex..<(readIndex + count)])
    }

    /// Ignores every later `append`.
    mutating func close() {
        isClosed = true
    }

    /// Returns the unconsumed bytes and empties the buffer.
    mutating func takeUnread() -> [UInt8] {
        let rest = Array(bytes[readIndex...])
        bytes = []
        readIndex = 0
        return rest
    }

    /// Compacts lazily: only when everything is consumed, or when the consumed prefix is both
    /// large and at least half the buffer, so the cost of moving bytes stays linear overall.
    private mutating func compact() {
        if readIndex == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= retainedCapacity)
            readIndex = 0
        } else if readIndex >= Self.compactionThreshold && readIndex * 2 >= bytes.count {
            bytes.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
