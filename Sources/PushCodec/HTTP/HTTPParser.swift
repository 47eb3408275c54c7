/// Incremental HTTP/1.1 request parser: feed it bytes as they arrive, pull complete requests out.
///
/// Pure value type, no I/O. Supports pipelining, keep-alive, `Content-Length` and chunked bodies.
/// Every error is final: the parser stays failed and the connection is meant to be closed.
public struct HTTPParser: Sendable {
    private enum State: Sendable {
        case head
        case fixedBody(HTTPRequestHead, length: Int)
        case chunkSizeLine(HTTPRequestHead)
        case chunkData(HTTPRequestHead, remaining: Int)
        case chunkDataEnd(HTTPRequestHead)
        case trailers(HTTPRequestHead)
        case failed(HTTPError)
    }

    /// Longest chunk-size line (size plus ignored extensions) we are willing to buffer.
    static let maxChunkLineBytes = 4096
    /// RFC 9112 puts no limit on chunk-size digits; 16 hex digits already cover every 64-bit size.
    static let maxChunkSizeDigits = 16
    /// Below this many consumed bytes the buffer is not compacted (moving bytes costs more than it saves).
    private static let compactionThreshold = 4096
    /// Buffers larger than this are released rather than kept for reuse once drained.
    private static let retainedCapacity = 65536

    /// The limits this parser enforces.
    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    /// Start of the bytes not yet consumed by a returned (or in-progress, for chunked bodies) request.
    private var readIndex = 0
    private var state: State = .head
    private var blockScanner = HTTPLineBlockScanner()
    /// Bytes of the current chunk-size line already searched for its LF.
    private var chunkLineScanned = 0
    private var body: [UInt8] = []

    /// Creates a parser enforcing `limits`.
    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Buffers bytes received from the peer (ignored once the parser has failed).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard prepareForAppend() else { return }
        bytes.withMemoryRebound(to: UInt8.self) { buffer.append(contentsOf: $0) }
    }

    /// Buffers bytes received from the peer (ignored once the parser has failed).
    public mutating func append(_ bytes: [UInt8]) {
        guard prepareForAppend() else { return }
        buffer.append(contentsOf: bytes)
    }

    /// True when bytes are buffered that no returned request has consumed.
    public var hasBufferedBytes: Bool { readIndex < buffer.count }

    /// True when no request has been started: nothing buffered and no body in progress.
    public var isIdle: Bool {
        guard case .head = state else { return false }
        return !hasBufferedBytes
    }

    /// Returns and forgets the bytes buffered after the last returned request, e.g. WebSocket frames
    /// that arrived with the upgrade request. Meant to be called right after `next()` returned a request;
    /// a request still in progress is abandoned and the parser starts over (unless it has failed).
    public mutating func takeBufferedBytes() -> [UInt8] {
        let rest = Array(buffer[readIndex...])
        buffer = []
        readIndex = 0
        blockScanner = HTTPLineBlockScanner()
        chunkLineScanned = 0
        body = []
        if case .failed = state { return rest }
        state = .head
        return rest
    }

    /// The next complete request, or nil when more bytes are needed. Throws the same error forever after a failure.
    public mutating func next() throws(HTTPError) -> HTTPRequest? {
        if case .failed(let error) = state { throw error }
        do {
            return try advance()
        } catch {
            state = .failed(error)
            body = []
            throw error
        }
    }

    // MARK: - State machine

    private mutating func advance() throws(HTTPError) -> HTTPRequest? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .head:
                guard let head = try parseHead() else { return nil }
                switch try HTTPHeadParser.bodyFraming(head, maxRequestBytes: limits.maxRequestBytes) {
                case .none: return HTTPRequest(head: head)
                case .length(let length): state = .fixedBody(head, length: length)
                case .chunked: state = .chunkSizeLine(head)
                }
            case .fixedBody(let head, let length):
                guard buffer.count - readIndex >= length else { return nil }
                let bodyBytes = Array(buffer[readIndex..<(readIndex + length)])
                readIndex += length
                state = .head
                return HTTPRequest(head: head, body: bodyBytes)
            case .chunkSizeLine(let head):
                guard let size = try parseChunkSizeLine() else { return nil }
                state = size == 0 ? .trailers(head) : .chunkData(head, remaining: size)
            case .chunkData(let head, let remaining):
                let take = min(remaining, buffer.count - readIndex)
                body.append(contentsOf: buffer[readIndex..<(readIndex + take)])
                readIndex += take
                guard take == remaining else {
                    state = .chunkData(head, remaining: remaining - take)
                    return nil
                }
                state = .chunkDataEnd(head)
            case .chunkDataEnd(let head):
                guard try consumeChunkDataTerminator() else { return nil }
                state = .chunkSizeLine(head)
            case .trailers(let head):
                guard try consumeTrailers() else { return nil }
                let request = HTTPRequest(head: head, body: body)
                body = []
                state = .head
                return request
            }
        }
    }

    /// Scans for the end of the head; returns it parsed once complete. Leading empty lines are skipped
    /// (RFC 9112 §2.2 robustness: some clients send a CRLF after a POST body).
    private mutating func parseHead() throws(HTTPError) -> HTTPRequestHead? {
        while true {
            let progress = blockScanner.scan(buffer, blockStart: readIndex, byteLimit: limits.maxHeaderBytes)
            try checkHeaderCount(blockScanner.lines.count - 1)
            switch progress {
            case .needMore:
                return nil
            case .overLimit:
                throw .headerTooLarge("The request line and headers exceed \(limits.maxHeaderBytes) bytes.")
            case .complete(let length):
                let lines = blockScanner.lines
                blockScanner = HTTPLineBlockScanner()
                if lines.isEmpty {
                    readIndex += length
                    continue
                }
                let head = try HTTPHeadParser.parseHead(buffer, blockStart: readIndex, lines: lines)
                readIndex += length
                return head
            }
        }
    }

    private func checkHeaderCount(_ count: Int) throws(HTTPError) {
        if count > limits.maxHeaderCount {
            throw .headerTooLarge("The request has more than \(limits.maxHeaderCount) header fields.")
        }
    }

    /// `chunk-size [ chunk-ext ] CRLF`; extensions are ignored. Returns nil until the line is complete.
    private mutating func parseChunkSizeLine() throws(HTTPError) -> Int? {
        let available = buffer.count - readIndex
        let end = min(available, Self.maxChunkLineBytes)
        var lineEnd: Int?
        while chunkLineScanned < end {
            let offset = chunkLineScanned
            chunkLineScanned += 1
            if buffer[readIndex + offset] == HTTPASCII.lf { lineEnd = offset; break }
        }
        guard let lineEnd else {
            if available >= Self.maxChunkLineBytes {
                throw .badRequest("A chunk size line is longer than \(Self.maxChunkLineBytes) bytes.")
            }
            return nil
        }
        var line = buffer[readIndex..<(readIndex + lineEnd)]
        if line.last == HTTPASCII.cr { line.removeLast() }
        if line.contains(HTTPASCII.cr) { throw HTTPHeadParser.bareCR() }

        var size: UInt64 = 0
        var digits = 0
        for byte in line {
            guard let value = HTTPASCII.hexValue(byte) else { break }
            digits += 1
            guard digits <= Self.maxChunkSizeDigits else {
                throw .badRequest("A chunk size has more than \(Self.maxChunkSizeDigits) hex digits.")
            }
            size = size << 4 | UInt64(value)
        }
        guard digits > 0 else { throw .badRequest("A chunk size line does not start with a hex number.") }
        var rest = line.dropFirst(digits)
        while let f = rest.first, HTTPASCII.isWhitespace(f) { rest.removeFirst() }
        guard rest.isEmpty || rest.first == HTTPASCII.semicolon else {
            throw .badRequest("A chunk size line has unexpected characters after the size.")
        }
        let budget = UInt64(max(0, limits.maxRequestBytes - body.count))
        guard size <= budget else {
            throw .payloadTooLarge("The chunked request body exceeds the limit of \(limits.maxRequestBytes) bytes.")
        }
        readIndex += lineEnd + 1
        chunkLineScanned = 0
        return Int(size)
    }

    /// The CRLF (or bare LF) that must follow every chunk's data.
    private mutating func consumeChunkDataTerminator() throws(HTTPError) -> Bool {
        let available = buffer.count - readIndex
        guard available >= 1 else { return false }
        switch buffer[readIndex] {
        case HTTPASCII.lf:
            readIndex += 1
            return true
        case HTTPASCII.cr:
            guard available >= 2 else { return false }
            guard buffer[readIndex + 1] == HTTPASCII.lf else { throw missingChunkTerminator() }
            readIndex += 2
            return true
        default:
            throw missingChunkTerminator()
        }
    }

    private func missingChunkTerminator() -> HTTPError {
        .badRequest("A chunk's data is not followed by CRLF.")
    }

    /// Trailer fields are validated like header fields, limited like them, then dropped.
    private mutating func consumeTrailers() throws(HTTPError) -> Bool {
        let progress = blockScanner.scan(buffer, blockStart: readIndex, byteLimit: limits.maxHeaderBytes)
        if blockScanner.lines.count > limits.maxHeaderCount {
            throw .headerTooLarge("The request has more than \(limits.maxHeaderCount) trailer fields.")
        }
        switch progress {
        case .needMore:
            return false
        case .overLimit:
            throw .headerTooLarge("The trailer section exceeds \(limits.maxHeaderBytes) bytes.")
        case .complete(let length):
            for range in blockScanner.lines {
                _ = try HTTPHeadParser.parseFieldLine(buffer[(readIndex + range.lowerBound)..<(readIndex + range.upperBound)])
            }
            blockScanner = HTTPLineBlockScanner()
            readIndex += length
            return true
        }
    }

    // MARK: - Buffer

    /// Compacts lazily: only when everything is consumed, or when the consumed prefix is both
    /// large and at least half the buffer, so the cost of moving bytes stays linear overall.
    private mutating func prepareForAppend() -> Bool {
        if case .failed = state { return false }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= Self.retainedCapacity)
            readIndex = 0
        } else if readIndex >= Self.compactionThreshold && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        return true
    }
}
