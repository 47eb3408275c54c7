/// The layer above the transport (HTTP, then WebSocket). Every call arrives on the
/// connection's loop queue; the handler may swap itself for another (`connection.handler = ...`).
public protocol ConnectionHandler: AnyObject {
    /// Plaintext arrived. `bytes` is the loop's shared buffer, valid only during the call and
    /// writable (the WebSocket decoder unmasks in place): copy whatever must outlive the call.
    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer)

    /// Called about four times a second, for handshake timeouts and keep-alive pings.
    func connectionTick(_ connection: Connection, now: UInt64)

    /// The connection is gone (peer closed, error, or `close()`); called exactly once.
    func connectionDidClose(_ connection: Connection)
}

/// What a listener reports about connections it could not serve.
public enum TransportEvent: Sendable {
    case tlsHandshakeFailed(peer: String, reason: String)
    case connectionLimitReached(limit: Int)
    case acceptFailed(String)
}
