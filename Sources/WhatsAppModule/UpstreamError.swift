import PushCodec

/// Why a call to the WhatsApp HTTP API (wwebjs-api) failed: a kind to branch on and a one-line
/// message meant for people (logs, the `502` body of a REST action).
public struct UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `whatsapp.apiUrl` is empty or not a usable URL, or the session id is unusable.
        case notConfigured
        /// The TCP (or TLS) connection could not be opened, or was dropped before any answer.
        case unreachable
        /// Connected, but the complete answer did not arrive within the request timeout.
        case timeout
        /// `403 Invalid API key`: `whatsapp.apiKey` is missing or wrong.
        case unauthorized
        /// The session is missing or not logged in (`session_not_found`, `session_not_connected`, ...).
        case sessionNotReady(reason: String)
        /// A non-JSON 404: the server has no such route, so apiUrl points at something else.
        case notFound(route: String)
        /// Any other `{success:false, error}` answer (e.g. `404 Chat not Found`, `400 invalid contentType`).
        case upstream(status: Int)
        /// An answer we cannot use: not JSON, or JSON without the expected member.
        case badResponse
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The `error` (or `message`) text of a wwebjs-api error body, when the body is one.
    package static func upstreamText(_ body: JSONValue?) -> String? {
        guard let body else { return nil }
        return body["error"]?.stringValue ?? body["message"]?.stringValue
    }

    /// Reasons `sessionValidation` answers 404 with while the session is not usable.
    package static let sessionReasons: Set<String> = ["session_not_found", "session_not_connected", "browser tab closed", "session closed"]
}
