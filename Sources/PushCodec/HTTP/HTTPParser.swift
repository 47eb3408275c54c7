/// Incremental HTTP/1.1 request parser: feed it bytes as they arrive, pull complete requests out.
///
/// Pure value type, no I/O. Supports pipelining, keep-alive, `Content-Length` and chunked bodies.
/// Every error is final: the parser stays failed and the connection is meant to be closed.
public struct HTTPParser: Sendable {
    private enum State: Sendable {
        case head
        case fixedBody(HTTPRequestHead, length: Int)
        case chunkedBody(HTTPRequestHead)
        case failed(HTTPError)
    }

    /// RFC 9112 puts no limit on chunk-size digits; 16 hex digits already cover every 64-bit size.
    static let maxChunkSizeDigits = 16
    /// Buffers larger than this are released rather than kept for reuse once drained.
    private static let retainedCapacity = 65536

    /// The limits this parser enforces.
    public let limits: HTTPLimits
    /// Its read index is the start of the bytes not yet consumed by a returned (or in-progress,
    /// for chunked bodies) request.
    private var input = HTTPInputBuffer(retainedCapacity: HTTPParser.retainedCapacity)
    private var state: State = .head
    private var blockScanner = HTTPLineBlockScanner()
    private var chunked: HTTPChunkedDecoder

    /// Creates a parser enforcing `limits`.
    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
        chunked = HTTPChunkedDecoder(rules: HTTPChunkedDecoder.Rules(
            maxBodyBytes: limits.maxRequestBytes, maxSizeDigits: Self.maxChunkSizeDigits,
            maxTrailerBytes: limits.maxHeaderBytes, maxTrailerCount: limits.maxHeaderCount,
            error: Self.chunkedBodyError, checkTrailerLine: { line throws(HTTPError) in _ = try HTTPHeadParser.parseFieldLine(line) }))
    }

    /// Buffers bytes received from the peer (ignored once the parser has failed).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        input.append(bytes)
    }

    /// Buffers bytes received from the peer (ignored once the parser has failed).
    public mutating func append(_ bytes: [UInt8]) {
        input.append(bytes)
    }

    /// True when bytes are buffered that no returned request has consumed.
    public var hasBufferedBytes: Bool { input.unreadCount > 0 }

    /// True when no request has been started: nothing buffered and no body in progress.
    public var isIdle: Bool {
        guard case .head = state else { return false }
        return !hasBufferedBytes
    }

    /// Returns and forgets the bytes buffered after the last returned request, e.g. WebSocket frames
    /// that arrived with the upgrade request. Meant to be called right after `next()` returned a request;
    /// a request still in progress is abandoned and the parser starts over (unless it has failed).
    public mutating func takeBufferedBytes() -> [UInt8] {
        let rest = input.takeUnread()
        blockScanner = HTTPLineBlockScanner()
        chunked.reset()
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
            input.close()
            chunked.reset()
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
                case .chunked: state = .chunkedBody(head)
                }
            case .fixedBody(let head, let length):
                guard let body = input.take(length) else { return nil }
                state = .head
                return HTTPRequest(head: head, body: body)
            case .chunkedBody(let head):
                guard let body = try chunked.decode(&input) else { return nil }
                state = .head
                return HTTPRequest(head: head, body: body)
            }
        }
    }

    /// Scans for the end of the head; returns it parsed once complete. Leading empty lines are skipped
    /// (RFC 9112 §2.2 robustness: some clients send a CRLF after a POST body).
    private mutating func parseHead() throws(HTTPError) -> HTTPRequestHead? {
        while true {
            let progress = blockScanner.scan(input.bytes, blockStart: input.readIndex, byteLimit: limits.maxHeaderBytes)
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
                    input.readIndex += length
                    continue
                }
                let head = try HTTPHeadParser.parseHead(input.bytes, blockStart: input.readIndex, lines: lines)
                input.readIndex += length
                return head
            }
        }
    }

    private func checkHeaderCount(_ count: Int) throws(HTTPError) {
        if count > limits.maxHeaderCount {
            throw .headerTooLarge("The request has more than \(limits.maxHeaderCount) header fields.")
        }
    }

    /// How a malformed or oversized chunked body reads to the client.
    private static func chunkedBodyError(_ failure: HTTPChunkedDecoder.Failure) -> HTTPError {
        switch failure {
        case .sizeLineTooLong(let limit): .badRequest("A chunk size line is longer than \(limit) bytes.")
        case .bareCR: HTTPHeadParser.bareCR()
        case .tooManySizeDigits(let limit): .badRequest("A chunk size has more than \(limit) hex digits.")
        case .noSize: .badRequest("A chunk size line does not start with a hex number.")
        case .junkAfterSize: .badRequest("A chunk size line has unexpected characters after the size.")
        case .bodyTooLarge(let limit): .payloadTooLarge("The chunked request body exceeds the limit of \(limit) bytes.")
        case .missingDataCRLF: .badRequest("A chunk's data is not followed by CRLF.")
        case .tooManyTrailers(let limit): .headerTooLarge("The request has more than \(limit) trailer fields.")
        case .trailersTooLarge(let limit): .headerTooLarge("The trailer section exceeds \(limit) bytes.")
        }
    }
}
