/// An HTTP/1.1 response to encode onto the wire.
public struct HTTPResponse: Sendable, Equatable {
    /// Status code, e.g. `200`.
    public var status: Int
    /// Reason phrase of the status line.
    public var reason: String
    /// Headers to send; `Content-Length` is always computed by `encode` and any given one is ignored.
    public var headers: HTTPHeaders
    /// Body bytes (not sent for 1xx, 204 and 304).
    public var body: [UInt8]
    /// The answer to a HEAD request: `encode` writes the status line and every header, the
    /// `Content-Length` of `body` included, but not the body (RFC 9110 9.3.2).
    public var omitsBody = false

    /// Creates a response; the reason phrase defaults to the standard one for `status`.
    public init(status: Int, reason: String? = nil, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.reason = reason ?? Self.reasonPhrase(status)
        self.headers = headers
        self.body = body
    }

    /// A response with a JSON body (`Content-Type: application/json`).
    public static func json(_ status: Int, _ jsonBody: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(jsonBody.utf8))
    }

    /// A response with a text body.
    public static func text(_ status: Int, _ body: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(body.utf8))
    }

    /// The JSON error body (Docs/security.md) `{"error":"<code>","message":"<message>"}`, with the error's
    /// extra headers and `Connection: close` when the error ends the connection.
    public static func error(_ e: HTTPError) -> HTTPResponse {
        let body = "{\"error\":\"\(HTTPJSONString.escape(e.code))\",\"message\":\"\(HTTPJSONString.escape(e.message))\"}"
        var response = json(e.status, body)
        for (name, value) in e.headers { response.headers.add(name, value) }
        if e.closeConnection && !response.headers.containsToken("close", in: "Connection") {
            response.headers.add("Connection", "close")
        }
        return response
    }

    /// Statuses that never carry a body or a Content-Length (RFC 9110 §8.6, §15.3.5, §15.4.5).
    private var isBodiless: Bool { (100..<200).contains(status) || status == 204 || status == 304 }

    /// Wire bytes: status line, `Server: wamp-push/<version>` unless a `Server` header is given,
    /// headers, `Content-Length` (except 1xx/204/304), `Connection: close` when `keepAlive` is
    /// false and not already present, blank line, body (unless `omitsBody`).
    public func encode(keepAlive: Bool) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(128 + headers.fields.count * 32 + body.count)
        appendLine(&out, "HTTP/1.1 \(status) \(Self.sanitized(reason))")
        if headers.first("Server") == nil { appendLine(&out, "Server: \(ServerIdentity.product)") }
        for (name, value) in headers where !name.caseInsensitiveEquals("Content-Length") {
            appendLine(&out, "\(Self.sanitized(name)): \(Self.sanitized(value))")
        }
        if !isBodiless { appendLine(&out, "Content-Length: \(body.count)") }
        if !keepAlive && !headers.containsToken("close", in: "Connection") { appendLine(&out, "Connection: close") }
        out.append(HTTPASCII.cr)
        out.append(HTTPASCII.lf)
        if !isBodiless && !omitsBody { out.append(contentsOf: body) }
        return out
    }

    private func appendLine(_ out: inout [UInt8], _ line: String) {
        out.append(contentsOf: line.utf8)
        out.append(HTTPASCII.cr)
        out.append(HTTPASCII.lf)
    }

    /// CR, LF and NUL would let a header value split the response; they become spaces.
    private static func sanitized(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == HTTPASCII.cr || $0 == HTTPASCII.lf || $0 == 0 }) else { return s }
        return String(decoding: s.utf8.map { $0 == HTTPASCII.cr || $0 == HTTPASCII.lf || $0 == 0 ? HTTPASCII.space : $0 }, as: UTF8.self)
    }

    /// The standard reason phrase for `status`, or a generic one for its class.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 426: return "Upgrade Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        case 100..<200: return "Informational"
        case 200..<300: return "Success"
        case 300..<400: return "Redirection"
        case 400..<500: return "Client Error"
        case 500..<600: return "Server Error"
        default: return "Unknown"
        }
    }
}
