import PushCodec
import PushTransport

/// A blocking HTTP/1.1 client over one keep-alive connection, for the CLI (`publish`, `doctor`),
/// integration tests and upstream calls.
///
/// The connection is reused between requests. When a reused connection turns out to have been closed
/// by the server while idle (nothing of the response arrived), the request is sent once more on a fresh
/// connection, as browsers do. Not thread-safe: one caller at a time.
public final class HTTPClient {
    /// One request of a `pipeline` call.
    public typealias PipelinedRequest = (method: String, path: String, headers: [(String, String)], body: [UInt8]?)

    /// The URL requests are relative to; its path is a prefix of every request path.
    public let baseURL: ClientURL
    public let connectTimeout: Double
    /// Budget of one whole request: sending it and receiving the complete response.
    public let requestTimeout: Double
    /// TCP connections opened so far (tests use it to check reuse).
    public private(set) var connectionsOpened = 0
    private let tls: TLSContext?
    private var connection: ClientConnection?
    private var parser = HTTPResponseParser()

    /// Creates a client for `baseURL` (`http://127.0.0.1:8080`, `https://host:8443/api`); connects lazily.
    public convenience init(baseURL: String, tls: TLSContext? = nil, connectTimeout: Double = 5, requestTimeout: Double = 10) throws(ClientError) {
        self.init(url: try ClientURL.parse(baseURL), tls: tls, connectTimeout: connectTimeout, requestTimeout: requestTimeout)
    }

    /// Creates a client for an already parsed base URL; connects lazily.
    public init(url: ClientURL, tls: TLSContext? = nil, connectTimeout: Double = 5, requestTimeout: Double = 10) {
        self.baseURL = url
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }

    deinit { connection?.close() }

    /// Sends one request and returns its final response (interim 1xx responses are skipped).
    /// With a body, `Content-Length` and `Content-Type: application/json` are added unless given.
    public func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws(ClientError) -> HTTPClientResponse {
        let responses = try exchange(encode(method, path, headers, body), methods: [method])
        guard let response = responses.first else {
            throw ClientError(.protocolError, "no response from \(baseURL.authority)")
        }
        return response
    }

    /// Writes all requests in one write and reads their responses in order (HTTP pipelining).
    public func pipeline(_ requests: [PipelinedRequest]) throws(ClientError) -> [HTTPClientResponse] {
        guard !requests.isEmpty else { return [] }
        let bytes = requests.flatMap { encode($0.method, $0.path, $0.headers, $0.body) }
        return try exchange(bytes, methods: requests.map(\.method))
    }

    /// Sends `bytes` unchanged (e.g. a deliberately malformed request) and reads one response per
    /// entry of `methods`, the method each response answers.
    public func raw(_ bytes: [UInt8], expecting methods: [String] = ["GET"]) throws(ClientError) -> [HTTPClientResponse] {
        try exchange(bytes, methods: methods)
    }

    /// Closes the connection; the next request opens a new one.
    public func close() { dropConnection() }

    /// One request on a fresh connection that is closed afterwards (`Connection: close` is sent).
    public static func send(_ method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                            tls: TLSContext? = nil, timeout: Double = 10) throws(ClientError) -> HTTPClientResponse {
        var target = try ClientURL.parse(url)
        let path = target.path
        target.path = "/"
        let client = HTTPClient(url: target, tls: tls, connectTimeout: timeout, requestTimeout: timeout)
        defer { client.close() }
        var allHeaders = headers
        if !headers.contains(where: { $0.0.caseInsensitiveEquals("Connection") }) { allHeaders.append(("Connection", "close")) }
        return try client.request(method, path, headers: allHeaders, body: body)
    }

    // MARK: - Wire

    /// The request bytes: request line, `Host`, the caller's headers, framing headers, body.
    func encode(_ method: String, _ path: String, _ headers: [(String, String)], _ body: [UInt8]?) -> [UInt8] {
        func has(_ name: String) -> Bool { headers.contains { $0.0.caseInsensitiveEquals(name) } }
        var lines = ["\(method) \(target(path)) HTTP/1.1"]
        if !has("Host") { lines.append("Host: \(baseURL.hostHeader)") }
        for (name, value) in headers { lines.append("\(name): \(value)") }
        let framed = has("Content-Length") || has("Transfer-Encoding")
        if let body {
            if !framed { lines.append("Content-Length: \(body.count)") }
            if !has("Content-Type") { lines.append("Content-Type: application/json") }
        } else if !framed && ["POST", "PUT", "PATCH"].contains(method) {
            lines.append("Content-Length: 0") // some servers answer 411 to a body-less POST without it
        }
        var out = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        if let body { out.append(contentsOf: body) }
        return out
    }

    /// The base URL's path prefix joined with `path`.
    private func target(_ path: String) -> String {
        var prefix = baseURL.path
        if let query = prefix.firstIndex(of: "?") { prefix = String(prefix[..<query]) }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        if path.isEmpty { return prefix.isEmpty ? "/" : prefix }
        return prefix + (path.hasPrefix("/") || path.hasPrefix("?") ? path : "/" + path)
    }

    // MARK: - Exchange

    private func exchange(_ bytes: [UInt8], methods: [String]) throws(ClientError) -> [HTTPClientResponse] {
        let deadline = ClientDeadline(seconds: requestTimeout)
        var retried = false
        while true {
            let reused = connection != nil
            let conn = try connected()
            var receivedAny = false
            do {
                try conn.write(bytes, deadline: deadline, "sending a request to \(baseURL.authority)")
                return try readResponses(conn, methods: methods, deadline: deadline, receivedAny: &receivedAny)
            } catch {
                dropConnection()
                // An idle keep-alive connection the server already closed: the request never reached it.
                if reused && !retried && !receivedAny && error.kind == .closed {
                    retried = true
                    continue
                }
                throw error
            }
        }
    }

    private func connected() throws(ClientError) -> ClientConnection {
        if let connection { return connection }
        let fresh = try ClientConnection(url: baseURL, tls: tls, connectTimeout: connectTimeout, ioTimeout: requestTimeout)
        connectionsOpened += 1
        connection = fresh
        parser = HTTPResponseParser()
        return fresh
    }

    private func readResponses(_ conn: ClientConnection, methods: [String], deadline: ClientDeadline,
                               receivedAny: inout Bool) throws(ClientError) -> [HTTPClientResponse] {
        var responses: [HTTPClientResponse] = []
        var keepOpen = true
        var chunk: [UInt8] = []
        let what = "waiting for response from \(baseURL.authority)"
        while responses.count < methods.count {
            if let response = try parsed({ (p: inout HTTPResponseParser) throws(HTTPError) in try p.next(requestMethod: methods[responses.count]) }) {
                if (100..<200).contains(response.status) && response.status != 101 { continue }
                responses.append(response)
                if response.status == 101 || !response.head.keepAlive {
                    keepOpen = false
                    break
                }
                continue
            }
            chunk.removeAll(keepingCapacity: true)
            if try conn.read(into: &chunk, max: 65536, deadline: deadline, what) == 0 {
                guard receivedAny else {
                    throw ClientError(.closed, "connection to \(baseURL.authority) closed before a response arrived")
                }
                if let last = try parsed({ (p: inout HTTPResponseParser) throws(HTTPError) in try p.finishAtEOF() }) {
                    responses.append(last)
                }
                keepOpen = false
                break
            }
            receivedAny = true
            parser.append(chunk)
        }
        guard responses.count == methods.count else {
            throw ClientError(.closed, "connection to \(baseURL.authority) closed after \(responses.count) of \(methods.count) responses")
        }
        // Stray bytes after the last response would be mistaken for the next one: start afresh instead.
        if !keepOpen || parser.hasBufferedBytes { dropConnection() }
        return responses
    }

    private func parsed(_ step: (inout HTTPResponseParser) throws(HTTPError) -> HTTPClientResponse?) throws(ClientError) -> HTTPClientResponse? {
        do {
            return try step(&parser)
        } catch {
            throw ClientError(.protocolError, "bad response from \(baseURL.authority): \(error.message)")
        }
    }

    private func dropConnection() {
        connection?.close()
        connection = nil
        parser = HTTPResponseParser()
    }
}
