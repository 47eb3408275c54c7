/// Why a client operation failed, with a one-line message naming what failed and where,
/// e.g. `connect 127.0.0.1:9: Connection refused`.
public struct ClientError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The URL could not be parsed or uses an unsupported scheme.
        case invalidURL
        /// Name resolution or the TCP connect failed.
        case connect
        /// TLS setup or the TLS handshake failed, or TLS reported an error later.
        case tls
        /// A deadline passed.
        case timeout
        /// The peer closed or reset the connection.
        case closed
        /// The peer sent bytes that break HTTP or RFC 6455.
        case protocolError
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
