/// Error factories used by the request parser (every parse failure closes the connection).
extension HTTPError {
    /// `505`: the request uses an HTTP version other than 1.0 or 1.1.
    public static func versionNotSupported(_ message: String) -> HTTPError {
        HTTPError(status: 505, code: "http_version_not_supported", message: message, closeConnection: true)
    }

    /// `501`: the request uses a transfer coding the server does not implement.
    public static func notImplemented(_ message: String) -> HTTPError {
        HTTPError(status: 501, code: "not_implemented", message: message, closeConnection: true)
    }
}
