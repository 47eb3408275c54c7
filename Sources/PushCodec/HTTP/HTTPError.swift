/// A request refused with an HTTP status. Rendered as the JSON error body (Docs/security.md):
/// `{"error": "<code>", "message": "<one human sentence>"}`.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    /// Machine-readable code, e.g. `bad_request`, `header_too_large`.
    public var code: String
    /// One human sentence saying what was wrong.
    public var message: String
    /// Extra response headers (e.g. `Sec-WebSocket-Version: 13` on 426).
    public var headers: [(String, String)]
    /// Whether the connection must be closed after the response (true for malformed input).
    public var closeConnection: Bool

    public init(status: Int, code: String, message: String, headers: [(String, String)] = [], closeConnection: Bool = false) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.closeConnection = closeConnection
    }

    public var description: String { "\(status) \(code): \(message)" }

    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.message == rhs.message
            && lhs.closeConnection == rhs.closeConnection
            && lhs.headers.map { "\($0.0):\($0.1)" } == rhs.headers.map { "\($0.0):\($0.1)" }
    }

    public static func badRequest(_ message: String) -> HTTPError {
        HTTPError(status: 400, code: "bad_request", message: message, closeConnection: true)
    }
    public static func notFound(_ message: String = "No such resource.") -> HTTPError {
        HTTPError(status: 404, code: "not_found", message: message)
    }
    public static func methodNotAllowed(_ message: String) -> HTTPError {
        HTTPError(status: 405, code: "method_not_allowed", message: message)
    }
    public static func payloadTooLarge(_ message: String) -> HTTPError {
        HTTPError(status: 413, code: "payload_too_large", message: message, closeConnection: true)
    }
    public static func headerTooLarge(_ message: String) -> HTTPError {
        HTTPError(status: 431, code: "header_too_large", message: message, closeConnection: true)
    }
    /// `401`: no credentials, or ones that name nobody.
    public static func unauthorized(_ message: String, headers: [(String, String)] = [], closeConnection: Bool = false) -> HTTPError {
        HTTPError(status: 401, code: "unauthorized", message: message, headers: headers, closeConnection: closeConnection)
    }
    /// `403`: the caller is known (or refused by where it calls from) and may not do this.
    public static func forbidden(_ message: String, closeConnection: Bool = false) -> HTTPError {
        HTTPError(status: 403, code: "forbidden", message: message, closeConnection: closeConnection)
    }
    /// `426`: the request needs a (different) WebSocket upgrade; `headers` say which.
    public static func upgradeRequired(_ message: String, headers: [(String, String)]) -> HTTPError {
        HTTPError(status: 426, code: "upgrade_required", message: message, headers: headers)
    }
}
