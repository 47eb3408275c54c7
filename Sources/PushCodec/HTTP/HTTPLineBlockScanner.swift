/// Finds the lines of a block that ends with an empty line (a request head or a trailer section),
/// resuming where the previous call stopped so every byte is scanned once.
///
/// Line terminators: RFC 9112 §2.2 lets a recipient accept a bare LF as a line terminator, and we
/// do (some hand-written clients and test tools send them). A CR is only allowed directly before LF;
/// the scanner strips that one CR, so a CR left inside a line is a bare CR and the caller rejects it.
struct HTTPLineBlockScanner: Sendable {
    /// Line contents found so far, as offsets relative to the block start, terminators excluded.
    private(set) var lines: [Range<Int>] = []
    /// Bytes of the block already scanned (relative to the block start).
    private var scanned = 0
    /// Where the line being scanned starts (relative to the block start).
    private var lineStart = 0

    enum Progress: Equatable {
        /// No empty line yet; more bytes are needed.
        case needMore
        /// The block would be longer than the byte limit.
        case overLimit
        /// An empty line ended the block; `length` counts every byte of it including that empty line.
        case complete(length: Int)
    }

    /// Scans `buffer[blockStart...]` for new lines, never looking past `byteLimit` bytes of the block.
    mutating func scan(_ buffer: [UInt8], blockStart: Int, byteLimit: Int) -> Progress {
        let available = buffer.count - blockStart
        let end = min(available, byteLimit)
        while scanned < end {
            let byte = buffer[blockStart + scanned]
            scanned += 1
            guard byte == HTTPASCII.lf else { continue }
            var contentEnd = scanned - 1
            if contentEnd > lineStart, buffer[blockStart + contentEnd - 1] == HTTPASCII.cr { contentEnd -= 1 }
            if contentEnd == lineStart { return .complete(length: scanned) }
            lines.append(lineStart..<contentEnd)
            lineStart = scanned
        }
        return available >= byteLimit ? .overLimit : .needMore
    }
}
