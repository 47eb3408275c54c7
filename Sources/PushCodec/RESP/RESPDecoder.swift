/// Turns the bytes Redis sends into `RESPValue`s, however the stream was cut into reads.
///
/// Push-fed and resumable: `append` whatever arrived, then call `next()` until it returns nil.
/// Work done is never redone: a finished element leaves the buffer at once (arrays under
/// construction wait on a stack), a line is scanned for its LF only once, and a bulk string
/// waits, unscanned, until all its announced bytes are there. Sizes are checked against
/// `RESPLimits` as soon as a header announces them. The first error is final (the stream has
/// lost its framing): every later `next()` throws it again.
public struct RESPDecoder: Sendable {
    public let limits: RESPLimits

    private var buffer: [UInt8] = []
    /// First byte of `buffer` not yet consumed.
    private var start = 0
    /// Bytes after `start` already searched for LF (a line still arriving is not rescanned).
    private var scanned = 0
    /// A bulk header was read: this many bytes plus CRLF are awaited.
    private var bulkLength: Int?
    /// Arrays being filled, outermost first.
    private var open: [(remaining: Int, items: [RESPValue])] = []
    /// Bytes consumed by the top-level value being decoded.
    private var valueBytes = 0
    private var failure: RESPError?

    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
    }

    /// The error that stopped this decoder, if any.
    public var error: RESPError? { failure }

    /// Bytes received and not yet part of a returned value (for tests and memory accounting).
    public var bufferedBytes: Int { buffer.count - start }

    /// True when no value is partly decoded: the stream is at a value boundary.
    public var isIdle: Bool { buffer.count == start && open.isEmpty && bulkLength == nil }

    /// Adds received bytes (copied: `bytes` may be the loop's shared read buffer).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !bytes.isEmpty else { return }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete top-level value, or nil until more bytes arrive.
    public mutating func next() throws(RESPError) -> RESPValue? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            buffer = []
            start = 0
            open = []
            bulkLength = nil
            throw error
        }
    }

    private mutating func step() throws(RESPError) -> RESPValue? {
        while true {
            var value: RESPValue
            if let length = bulkLength {
                guard buffer.count - start >= length + 2 else {
                    compact()
                    return nil
                }
                guard buffer[start + length] == Self.cr, buffer[start + length + 1] == Self.lf else {
                    throw .malformed("bulk string of \(length) bytes is not followed by CRLF")
                }
                value = .bulkString(Array(buffer[start..<(start + length)]))
                try consume(length + 2)
                bulkLength = nil
            } else {
                guard let line = try nextLine() else {
                    compact()
                    return nil
                }
                let type = buffer[line.lowerBound]
                let body = (line.lowerBound + 1)..<line.upperBound
                switch type {
                case UInt8(ascii: "+"): value = .simpleString(String(decoding: buffer[body], as: UTF8.self))
                case UInt8(ascii: "-"): value = .error(String(decoding: buffer[body], as: UTF8.self))
                case UInt8(ascii: ":"): value = .integer(try integer(body, "integer"))
                case UInt8(ascii: "$"):
                    let length = try integer(body, "bulk string length")
                    if length == -1 {
                        value = .bulkString(nil)
                    } else {
                        try startBulk(length)
                        continue
                    }
                case UInt8(ascii: "*"):
                    let count = try integer(body, "array length")
                    // Empty and null arrays nest too (the fuzzer found them passing the limit).
                    guard open.count < limits.maxDepth else { throw .limitExceeded("arrays nested deeper than \(limits.maxDepth) levels") }
                    if count == -1 {
                        value = .array(nil)
                    } else if count == 0 {
                        value = .array([])
                    } else {
                        try startArray(count)
                        continue
                    }
                default:
                    throw .malformed("unknown type byte 0x\(String(type, radix: 16)) at the start of a value")
                }
            }
            // A finished value completes its array, which may complete the enclosing one.
            while !open.isEmpty {
                open[open.count - 1].items.append(value)
                open[open.count - 1].remaining -= 1
                if open[open.count - 1].remaining > 0 { break }
                value = .array(open.removeLast().items)
            }
            if open.isEmpty {
                valueBytes = 0
                compact()
                return value
            }
        }
    }

    private mutating func startBulk(_ length: Int64) throws(RESPError) {
        guard length >= 0 else { throw .malformed("bulk string length \(length) is negative") }
        guard length <= limits.maxBulkBytes else {
            throw .limitExceeded("bulk string of \(length) bytes is over the \(limits.maxBulkBytes)-byte limit")
        }
        try charge(Int(length) + 2, consumed: false)
        bulkLength = Int(length)
    }

    private mutating func startArray(_ count: Int64) throws(RESPError) {
        guard count > 0 else { throw .malformed("array length \(count) is negative") }
        guard count <= limits.maxArrayElements else {
            throw .limitExceeded("array of \(count) elements is over the \(limits.maxArrayElements)-element limit")
        }
        // Each element takes at least 3 bytes on the wire (":0" CRLF... "+" CRLF), so a count is a
        // size promise that can be checked now.
        try charge(min(Int(count), Int.max / 3) * 3, consumed: false)
        var items: [RESPValue] = []
        items.reserveCapacity(min(Int(count), 64))
        open.append((Int(count), items))
    }

    /// The range of the next line (type byte included, CRLF excluded), consumed; nil until its LF arrives.
    private mutating func nextLine() throws(RESPError) -> Range<Int>? {
        let from = start + scanned
        guard let lf = buffer[from...].firstIndex(of: Self.lf) else {
            scanned = buffer.count - start
            if scanned > limits.maxLineBytes + 2 {
                throw .limitExceeded("line of more than \(limits.maxLineBytes) bytes")
            }
            return nil
        }
        scanned = 0
        // First, and in the same words as above: a line that would have been refused had it
        // arrived in pieces is refused whole too, whatever else is wrong with it.
        guard lf - start <= limits.maxLineBytes + 2 else { throw .limitExceeded("line of more than \(limits.maxLineBytes) bytes") }
        guard lf > start, buffer[lf - 1] == Self.cr else { throw .malformed("line ends in LF without CR") }
        let line = start..<(lf - 1)
        guard !line.isEmpty else { throw .malformed("empty line where a value was expected") }
        if buffer[line].contains(Self.cr) { throw .malformed("CR inside a line") }
        try consume(lf + 1 - start)
        return line
    }

    /// A decimal `-?[0-9]+` that fits in 64 bits.
    private func integer(_ range: Range<Int>, _ what: String) throws(RESPError) -> Int64 {
        var index = range.lowerBound
        let negative = index < range.upperBound && buffer[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < range.upperBound else { throw .malformed("\(what) has no digits") }
        var value: Int64 = 0
        while index < range.upperBound {
            let digit = buffer[index] &- UInt8(ascii: "0")
            guard digit < 10 else { throw .malformed("\(what) has a non-digit byte 0x\(String(buffer[index], radix: 16))") }
            // Accumulate negatively: Int64.min has no positive counterpart.
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.subtractingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { throw .malformed("\(what) does not fit in 64 bits") }
            value = next
            index += 1
        }
        if negative { return value }
        guard value != Int64.min else { throw .malformed("\(what) does not fit in 64 bits") }
        return -value
    }

    private mutating func consume(_ count: Int) throws(RESPError) {
        start += count
        try charge(count)
    }

    /// Adds `count` wire bytes to the current value (or, with `consumed: false`, only checks that
    /// they would still fit).
    private mutating func charge(_ count: Int, consumed: Bool = true) throws(RESPError) {
        let (total, overflow) = valueBytes.addingReportingOverflow(count)
        guard !overflow, total <= limits.maxValueBytes else {
            throw .limitExceeded("value of more than \(limits.maxValueBytes) bytes")
        }
        if consumed { valueBytes = total }
    }

    /// Drops consumed bytes: all of them when the buffer is empty, else once they are most of it.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 16 << 10)
            start = 0
        } else if start >= 4096 && start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
