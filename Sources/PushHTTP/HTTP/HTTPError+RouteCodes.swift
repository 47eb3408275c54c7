import PushCodec

/// Error answers that routes of several modules share, each code declared once here. A code
/// only one route uses is declared beside that route; protocol-level codes are in PushCodec.
extension HTTPError {
    /// `400`: the body is not JSON (or not the JSON shape the route takes).
    package static func invalidJSON(_ message: String) -> HTTPError { HTTPError(status: 400, code: "invalid_json", message: message) }
    /// `400`: the body is JSON but not what the route takes.
    package static func invalidBody(_ message: String) -> HTTPError { HTTPError(status: 400, code: "invalid_body", message: message) }
    /// `500`: the database refused a read or a write.
    package static func storeError(_ message: String) -> HTTPError { HTTPError(status: 500, code: "store_error", message: message) }
    /// `503`: the database cannot be written at all (`/healthz`).
    package static func storeUnavailable(_ message: String) -> HTTPError { HTTPError(status: 503, code: "store_unavailable", message: message) }
}
