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
        case chunkSizeLine(HTTPResponseHead)
        case chunkData(HTTPResponseHead, remaining: Int)
        case chunkDataEnd(HTTPResponseHead)
        case trailers(HTTPResponseHead)
        case untilClose(HTTPResponseHead)
        case upgraded
        case failed(HTTPError)
    }

    /// Longest status line plus header block accepted.
    static let maxHeadBytes = 65536
    static let maxHeaderCount = 256
    static let maxChunkLineBytes = 4096

    /// Largest body (after de-chunking) accepted.
    public let maxBodyBytes: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var state: State = .head
    private var blockScanner = HTTPLineBlockScanner()
    private var body: [UInt8] = []

    /// Creates a parser refusing bodies over `maxBodyBytes`.
    public init(maxBodyBytes: Int = 64 << 20) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Buffers bytes received from the server (ignored once the parser has failed).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard prepareForAppend() else { return }
        buffer.append(contentsOf: bytes)
    }

    /// Buffers bytes received from the server (ignored once the parser has failed).
    public mutating func append(_ bytes: [UInt8]) {
        guard prepareForAppend() else { return }
        buffer.append(contentsOf: bytes)
    }

    /// True when bytes are buffered that no returned response has consumed.
    public var hasBufferedBytes: Bool { readIndex < buffer.count }

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
        let rest = Array(buffer[readIndex...])
        buffer = []
        readIndex = 0
        blockScanner = HTTPLineBlockScanner()
        body = []
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
            body = []
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
                case .chunked: state = .chunkSizeLine(head)
                case .untilClose: state = .untilClose(head)
                }
            case .fixedBody(let head, let length):
                guard buffer.count - readIndex >= length else { return nil }
                let bytes = Array(buffer[readIndex..<(readIndex + length)])
                readIndex += length
                state = .head
                return HTTPClientResponse(head: head, body: bytes)
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
                guard try consumeCRLF() else { return nil }
                state = .chunkSizeLine(head)
            case .trailers(let head):
                guard try consumeTrailers() else { return nil }
                let response = HTTPClientResponse(head: head, body: body)
                body = []
                state = .head
                return response
            case .untilClose:
                if buffer.count - readIndex > maxBodyBytes {
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
            let response = HTTPClientResponse(head: head, body: Array(buffer[readIndex...]))
            readIndex = buffer.count
            state = .head
            return response
        case .fixedBody(_, let length):
            throw .badResponse("The connection closed after \(buffer.count - readIndex) of \(length) body bytes.")
        case .chunkSizeLine, .chunkData, .chunkDataEnd, .trailers:
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
        var result: Int?
        for value in headers.all("Content-Length") {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = element.trimmingSpaces()
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                      let length = Int(digits) else {
                    throw .badResponse("The response Content-Length '\(value)' is not a decimal number.")
                }
                if let result, result != length {
                    throw .badResponse("The response has several different Content-Length values.")
                }
                result = length
            }
        }
        guard let result else { throw .badResponse("The response Content-Length is empty.") }
        return result
    }

    // MARK: - Head

    private mutating func parseHead() throws(HTTPError) -> HTTPResponseHead? {
        while true {
            let progress = blockScanner.scan(buffer, blockStart: readIndex, byteLimit: Self.maxHeadBytes)
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
                    readIndex += length // stray empty lines between responses are skipped
                    continue
                }
                var head = try Self.parseStatusLine(buffer[(readIndex + first.lowerBound)..<(readIndex + first.upperBound)])
                for range in lines.dropFirst() {
                    let (name, value) = try Self.parseFieldLine(buffer[(readIndex + range.lowerBound)..<(readIndex + range.upperBound)])
                    head.headers.add(name, value)
                }
                readIndex += length
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
        if let first = line.first, HTTPASCII.isWhitespace(first) {
            throw .badResponse("The response uses obsolete line folding in its header block.")
        }
        if line.contains(HTTPASCII.cr) { throw .badResponse("A response header line contains a bare CR.") }
        guard let colon = line.firstIndex(of: HTTPASCII.colon) else {
            throw .badResponse("A response header line has no colon.")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(HTTPASCII.isTokenChar) else {
            throw .badResponse("A response header field name is empty or not a token.")
        }
        var value = line[(colon + 1)...]
        while let f = value.first, HTTPASCII.isWhitespace(f) { value.removeFirst() }
        while let l = value.last, HTTPASCII.isWhitespace(l) { value.removeLast() }
        guard !value.contains(where: HTTPASCII.isForbiddenInFieldValue) else {
            throw .badResponse("The response header '\(String(decoding: name, as: UTF8.self))' contains a control character.")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    private static func digit(_ c: UInt8) -> Int? {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") ? Int(c - UInt8(ascii: "0")) : nil
    }

    // MARK: - Chunked body

    /// `chunk-size [ chunk-ext ] CRLF`, extensions ignored. Returns nil until the line is complete.
    private mutating func parseChunkSizeLine() throws(HTTPError) -> Int? {
        let available = buffer.count - readIndex
        let window = buffer[readIndex..<(readIndex + min(available, Self.maxChunkLineBytes))]
        guard let lf = window.firstIndex(of: HTTPASCII.lf) else {
            if available >= Self.maxChunkLineBytes {
                throw .badResponse("A chunk size line is longer than \(Self.maxChunkLineBytes) bytes.")
            }
            return nil
        }
        var line = buffer[readIndex..<lf]
        if line.last == HTTPASCII.cr { line.removeLast() }
        var size = 0
        var digits = 0
        for byte in line {
            guard let value = HTTPASCII.hexValue(byte) else { break }
            digits += 1
            guard digits <= 15 else { throw .badResponse("A chunk size has more than 15 hex digits.") }
            size = size << 4 | Int(value)
        }
        guard digits > 0 else { throw .badResponse("A chunk size line does not start with a hex number.") }
        var rest = line.dropFirst(digits)
        while let f = rest.first, HTTPASCII.isWhitespace(f) { rest.removeFirst() }
        guard rest.isEmpty || rest.first == HTTPASCII.semicolon, !rest.contains(HTTPASCII.cr) else {
            throw .badResponse("A chunk size line has unexpected characters after the size.")
        }
        guard size <= maxBodyBytes - body.count else {
            throw .badResponse("The chunked response body exceeds the limit of \(maxBodyBytes) bytes.")
        }
        readIndex = lf + 1
        return size
    }

    /// The CRLF (or bare LF) after each chunk's data.
    private mutating func consumeCRLF() throws(HTTPError) -> Bool {
        let available = buffer.count - readIndex
        guard available >= 1 else { return false }
        if buffer[readIndex] == HTTPASCII.lf {
            readIndex += 1
            return true
        }
        guard buffer[readIndex] == HTTPASCII.cr else { throw .badResponse("A chunk's data is not followed by CRLF.") }
        guard available >= 2 else { return false }
        guard buffer[readIndex + 1] == HTTPASCII.lf else { throw .badResponse("A chunk's data is not followed by CRLF.") }
        readIndex += 2
        return true
    }

    /// Trailer fields are validated like header fields, then dropped.
    private mutating func consumeTrailers() throws(HTTPError) -> Bool {
        switch blockScanner.scan(buffer, blockStart: readIndex, byteLimit: Self.maxHeadBytes) {
        case .needMore:
            return false
        case .overLimit:
            throw .badResponse("The response trailer section exceeds \(Self.maxHeadBytes) bytes.")
        case .complete(let length):
            for range in blockScanner.lines {
                _ = try Self.parseFieldLine(buffer[(readIndex + range.lowerBound)..<(readIndex + range.upperBound)])
            }
            blockScanner = HTTPLineBlockScanner()
            readIndex += length
            return true
        }
    }

    // MARK: - Buffer

    /// Drops consumed bytes once they are most of the buffer, keeping appends amortised linear.
    private mutating func prepareForAppend() -> Bool {
        if case .failed = state { return false }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 4096 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        return true
    }
}
