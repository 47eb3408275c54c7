/// The status line and header block of one HTTP/1.x response.
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(status: Int, reason: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers
    }

    /// Whether the server keeps the connection open after this response (RFC 9112 §9.3).
    public var keepAlive: Bool {
        if headers.containsToken("close", in: "Connection") { return false }
        if version == .http1_0 { return headers.containsToken("keep-alive", in: "Connection") }
        return true
    }
}

/// A complete response as a client receives it: head plus the de-chunked body.
public struct HTTPClientResponse: Sendable, Equatable {
    public var head: HTTPResponseHead
    public var body: [UInt8]

    public init(head: HTTPResponseHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    /// The status code, e.g. `200`.
    public var status: Int { head.status }
    /// The response headers.
    public var headers: HTTPHeaders { head.headers }
    /// The body decoded as UTF-8 (invalid sequences replaced).
    public func bodyString() -> String { String(decoding: body, as: UTF8.self) }
}

extension HTTPError {
    /// `502 bad_response`: what a client reports when the server's bytes are not a valid response.
    public static func badResponse(_ message: String) -> HTTPError {
        HTTPError(status: 502, code: "bad_response", message: message, closeConnection: true)
    }
}

/// Incremental HTTP/1.1 response parser for clients: feed bytes as they arrive, pull complete responses.
///
/// Pure value type, no I/O. Bodies are delimited by Content-Length, chunked coding, or the end of the
/// connection (call `finishAtEOF`). Responses to HEAD, 1xx, 204 and 304 have no body. After a `101`
/// the parser stops: the bytes that follow belong to the new protocol (`takeBufferedBytes`).
/// Every error is final. Stricter than RFC 9112 asks of clients, because its main user is a test
/// client checking our own server: ambiguous framing is an error, not a guess.
public struct HTTPResponseParser: Sendable {
    private enum State: Sendable {
        case head
        case fixedBody(HTTPResponseHead, length: Int)
        case chunkedBody(HTTPResponseHead)
        case untilClose(HTTPResponseHead)
        case upgraded
        case failed(HTTPError)
    }

    /// Longest status line plus header block accepted.
    static let maxHeadBytes = 65536
    static let maxHeaderCount = 256

    /// Largest body (after de-chunking) accepted.
    public let maxBodyBytes: Int
    private var input = HTTPInputBuffer(retainedCapacity: .max)
    private var state: State = .head
    private var blockScanner = HTTPLineBlockScanner()
    private var chunked: HTTPChunkedDecoder

    /// Creates a parser refusing bodies over `maxBodyBytes`.
    public init(maxBodyBytes: Int = 64 << 20) {
        self.maxBodyBytes = maxBodyBytes
        // Trailer fields are limited by bytes only, like the head's byte limit.
        chunked = HTTPChunkedDecoder(rules: HTTPChunkedDecoder.Rules(
            maxBodyBytes: maxBodyBytes, maxSizeDigits: 15, maxTrailerBytes: Self.maxHeadBytes, maxTrailerCount: .max,
            error: Self.chunkedBodyError, checkTrailerLine: { line throws(HTTPError) in _ = try Self.parseFieldLine(line) }))
    }

    /// Buffers bytes received from the server (ignored once the parser has failed).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        input.append(bytes)
    }

    /// Buffers bytes received from the server (ignored once the parser has failed).
    public mutating func append(_ bytes: [UInt8]) {
        input.append(bytes)
    }

    /// True when bytes are buffered that no returned response has consumed.
    public var hasBufferedBytes: Bool { input.unreadCount > 0 }

    /// The next complete response, or nil when more bytes are needed (or after a `101`).
    /// `requestMethod` is the method of the request this response answers (HEAD responses have no body).
    public mutating func next(requestMethod: String = "GET") throws(HTTPError) -> HTTPClientResponse? {
        try guarded { (p: inout HTTPResponseParser) throws(HTTPError) in try p.advance(requestMethod: requestMethod) }
    }

    /// Call when the server closed the connection: completes a close-delimited body, returns nil on a
    /// clean end between responses, and throws when the connection ended inside a response.
    public mutating func finishAtEOF() throws(HTTPError) -> HTTPClientResponse? {
        try guarded { (p: inout HTTPResponseParser) throws(HTTPError) in
            if let response = try p.advance(requestMethod: "GET") { return response }
            return try p.endOfInput()
        }
    }

    /// Returns and forgets the unconsumed bytes, e.g. WebSocket frames that arrived with a `101`.
    /// The parser starts over afterwards (unless it has failed).
    public mutating func takeBufferedBytes() -> [UInt8] {
        let rest = input.takeUnread()
        blockScanner = HTTPLineBlockScanner()
        chunked.reset()
        if case .failed = state { return rest }
        state = .head
        return rest
    }

    /// Runs `step`, making any error final.
    private mutating func guarded(
        _ step: (inout HTTPResponseParser) throws(HTTPError) -> HTTPClientResponse?
    ) throws(HTTPError) -> HTTPClientResponse? {
        if case .failed(let error) = state { throw error }
        do {
            return try step(&self)
        } catch {
            state = .failed(error)
            input.close()
            chunked.reset()
            throw error
        }
    }

    // MARK: - State machine

    private mutating func advance(requestMethod: String) throws(HTTPError) -> HTTPClientResponse? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .upgraded:
                return nil
            case .head:
                guard let head = try parseHead() else { return nil }
                if head.status == 101 {
                    state = .upgraded
                    return HTTPClientResponse(head: head)
                }
                switch try framing(head, requestMethod: requestMethod) {
                case .none: return HTTPClientResponse(head: head)
                case .length(let length): state = .fixedBody(head, length: length)
                case .chunked: state = .chunkedBody(head)
                case .untilClose: state = .untilClose(head)
                }
            case .fixedBody(let head, let length):
                guard let body = input.take(length) else { return nil }
                state = .head
                return HTTPClientResponse(head: head, body: body)
            case .chunkedBody(let head):
                guard let body = try chunked.decode(&input) else { return nil }
                state = .head
                return HTTPClientResponse(head: head, body: body)
            case .untilClose:
                if input.unreadCount > maxBodyBytes {
                    throw .badResponse("The response body exceeds the limit of \(maxBodyBytes) bytes.")
                }
                return nil
            }
        }
    }

    private mutating func endOfInput() throws(HTTPError) -> HTTPClientResponse? {
        switch state {
        case .head:
            if hasBufferedBytes { throw .badResponse("The connection closed in the middle of a response head.") }
            return nil
        case .upgraded, .failed:
            return nil
        case .untilClose(let head):
            let response = HTTPClientResponse(head: head, body: Array(input.bytes[input.readIndex...]))
            input.readIndex = input.bytes.count
            state = .head
            return response
        case .fixedBody(_, let length):
            throw .badResponse("The connection closed after \(input.unreadCount) of \(length) body bytes.")
        case .chunkedBody:
            throw .badResponse("The connection closed in the middle of a chunked body.")
        }
    }

    private enum Framing { case none, length(Int), chunked, untilClose }

    /// RFC 9112 §6.3, minus the guesses: both Content-Length and Transfer-Encoding is an error, and
    /// a transfer coding other than `chunked` alone is refused. No framing header means close-delimited.
    private func framing(_ head: HTTPResponseHead, requestMethod: String) throws(HTTPError) -> Framing {
        if requestMethod == "HEAD" || (100..<200).contains(head.status) || head.status == 204 || head.status == 304 {
            return .none
        }
        let headers = head.headers
        let hasLength = headers.count("Content-Length") > 0
        let hasTransferEncoding = headers.count("Transfer-Encoding") > 0
        if hasLength && hasTransferEncoding {
            throw .badResponse("The response has both Content-Length and Transfer-Encoding.")
        }
        if hasTransferEncoding {
            let codings = headers.tokens("Transfer-Encoding").map { $0.lowercased() }
            guard codings == ["chunked"] else {
                throw .badResponse("The response uses the transfer coding '\(codings.joined(separator: ", "))'; only chunked is supported.")
            }
            return .chunked
        }
        if hasLength {
            let length = try contentLength(headers)
            if length > maxBodyBytes {
                throw .badResponse("The response body of \(length) bytes exceeds the limit of \(maxBodyBytes) bytes.")
            }
            return .length(length)
        }
        return .untilClose
    }

    private func contentLength(_ headers: HTTPHeaders) throws(HTTPError) -> Int {
        do {
            return try HTTPFieldSyntax.contentLength(headers)
        } catch {
            switch error {
            case .notDecimal(let value), .tooLarge(let value):
                throw .badResponse("The response Content-Length '\(value)' is not a decimal number.")
            case .conflicting: throw .badResponse("The response has several different Content-Length values.")
            case .missing: throw .badResponse("The response Content-Length is empty.")
            }
        }
    }

    // MARK: - Head

    private mutating func parseHead() throws(HTTPError) -> HTTPResponseHead? {
        while true {
            let progress = blockScanner.scan(input.bytes, blockStart: input.readIndex, byteLimit: Self.maxHeadBytes)
            if blockScanner.lines.count > Self.maxHeaderCount + 1 {
                throw .badResponse("The response has more than \(Self.maxHeaderCount) header fields.")
            }
            switch progress {
            case .needMore:
                return nil
            case .overLimit:
                throw .badResponse("The response status line and headers exceed \(Self.maxHeadBytes) bytes.")
            case .complete(let length):
                let lines = blockScanner.lines
                blockScanner = HTTPLineBlockScanner()
                guard let first = lines.first else {
                    input.readIndex += length // stray empty lines between responses are skipped
                    continue
                }
                var head = try Self.parseStatusLine(input.bytes[(input.readIndex + first.lowerBound)..<(input.readIndex + first.upperBound)])
                for range in lines.dropFirst() {
                    let (name, value) = try Self.parseFieldLine(input.bytes[(input.readIndex + range.lowerBound)..<(input.readIndex + range.upperBound)])
                    head.headers.add(name, value)
                }
                input.readIndex += length
                return head
            }
        }
    }

    /// `HTTP/1.x SP 3DIGIT SP [reason]`; a missing space before an empty reason is tolerated.
    static func parseStatusLine(_ line: ArraySlice<UInt8>) throws(HTTPError) -> HTTPResponseHead {
        let bytes = Array(line)
        if bytes.contains(HTTPASCII.cr) { throw .badResponse("The response status line contains a bare CR.") }
        let shown = String(decoding: bytes.prefix(64), as: UTF8.self)
        guard bytes.count >= 12, bytes[0...4].elementsEqual("HTTP/".utf8), bytes[6] == UInt8(ascii: "."),
              bytes[8] == HTTPASCII.space,
              let major = digit(bytes[5]), let minor = digit(bytes[7]),
              let s0 = digit(bytes[9]), let s1 = digit(bytes[10]), let s2 = digit(bytes[11]) else {
            throw .badResponse("The response status line '\(shown)' is malformed.")
        }
        guard major == 1 else { throw .badResponse("The response uses the unsupported version HTTP/\(major).\(minor).") }
        let status = s0 * 100 + s1 * 10 + s2
        guard status >= 100 else { throw .badResponse("The response status \(status) is out of range.") }
        var reason = ""
        if bytes.count > 12 {
            guard bytes[12] == HTTPASCII.space else { throw .badResponse("The response status line '\(shown)' is malformed.") }
            let reasonBytes = bytes[13...]
            guard !reasonBytes.contains(where: HTTPASCII.isForbiddenInFieldValue) else {
                throw .badResponse("The response reason phrase contains a control character.")
            }
            reason = String(decoding: reasonBytes, as: UTF8.self)
        }
        return HTTPResponseHead(status: status, reason: reason, version: HTTPVersion(major: major, minor: minor))
    }

    /// `field-name ":" OWS field-value OWS`; obsolete line folding is refused.
    static func parseFieldLine(_ line: ArraySlice<UInt8>) throws(HTTPError) -> (String, String) {
        do {
            return try HTTPFieldSyntax.parseFieldLine(line)
        } catch {
            switch error {
            case .obsoleteLineFolding: throw .badResponse("The response uses obsolete line folding in its header block.")
            case .bareCR: throw .badResponse("A response header line contains a bare CR.")
            case .noColon: throw .badResponse("A response header line has no colon.")
            case .emptyName, .whitespaceBeforeColon, .nameNotToken:
                throw .badResponse("A response header field name is empty or not a token.")
            case .controlInValue(let name): throw .badResponse("The response header '\(name)' contains a control character.")
            }
        }
    }

    private static func digit(_ c: UInt8) -> Int? {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") ? Int(c - UInt8(ascii: "0")) : nil
    }

    // MARK: - Chunked body

    /// How a malformed or oversized chunked body is reported (always `502 bad_response`).
    private static func chunkedBodyError(_ failure: HTTPChunkedDecoder.Failure) -> HTTPError {
        switch failure {
        case .sizeLineTooLong(let limit): .badResponse("A chunk size line is longer than \(limit) bytes.")
        case .bareCR: .badResponse("A chunk size line contains a bare CR.")
        case .tooManySizeDigits(let limit): .badResponse("A chunk size has more than \(limit) hex digits.")
        case .noSize: .badResponse("A chunk size line does not start with a hex number.")
        case .junkAfterSize: .badResponse("A chunk size line has unexpected characters after the size.")
        case .bodyTooLarge(let limit): .badResponse("The chunked response body exceeds the limit of \(limit) bytes.")
        case .missingDataCRLF: .badResponse("A chunk's data is not followed by CRLF.")
        case .tooManyTrailers(let limit): .badResponse("The response has more than \(limit) trailer fields.")
        case .trailersTooLarge(let limit): .badResponse("The response trailer section exceeds \(limit) bytes.")
        }
    }
}
