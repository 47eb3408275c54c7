/// The layer above the transport (HTTP, then WebSocket). Every call arrives on the
/// connection's loop thread; the handler may swap itself for another (`connection.handler = ...`).
public protocol ConnectionHandler: AnyObject {
    /// Plaintext arrived. `bytes` is the loop's shared buffer, valid only during the call and
    /// writable (the WebSocket decoder unmasks in place): copy whatever must outlive the call.
    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer)

    /// Called about four times a second while the connection is open (keep-alive pings).
    func connectionTick(_ connection: Connection, now: UInt64)

    /// The deadline of a handler phase passed. The handler may act (send a close, move to
    /// another phase); if it leaves phase and deadline as they were, the connection closes.
    func connectionDeadlinePassed(_ connection: Connection, phase: ConnectionPhase)

    /// Queued output went back down to the low watermark: input is read again, and a handler
    /// holding buffered requests may answer them.
    func connectionOutputDrained(_ connection: Connection)

    /// The peer shut its write side (end of input while the connection is open): a client may
    /// send its request and half-close. Return true to go on writing — the handler then calls
    /// `closeAfterFlush()` once its answers are queued; false closes the connection now.
    func connectionInputEnded(_ connection: Connection) -> Bool

    /// The connection is gone (peer closed, error, or `close()`); called exactly once.
    func connectionDidClose(_ connection: Connection)
}

extension ConnectionHandler {
    public func connectionInputEnded(_ connection: Connection) -> Bool { false }
    public func connectionTick(_ connection: Connection, now: UInt64) {}
    public func connectionDeadlinePassed(_ connection: Connection, phase: ConnectionPhase) {}
    public func connectionOutputDrained(_ connection: Connection) {}
}

/// What a listener reports about connections it could not serve or had to cut.
public enum TransportEvent: Sendable {
    case tlsHandshakeFailed(peer: String, reason: String)
    case connectionLimitReached(limit: Int)
    /// One source address (IPv4 address, IPv6 /64) already holds `limit` connections.
    case addressLimitReached(peer: String, limit: Int)
    /// A connection overstayed a phase (a peer that stopped reading, talking or closing).
    case deadlinePassed(phase: ConnectionPhase, peer: String)
    /// `accept` failed for another reason than running out of descriptors; retried at the next tick.
    case acceptFailed(String)
    /// `accept` found the process (or system) out of descriptors; `refusedOne` when the spare
    /// descriptor was used to accept and close one waiting connection. Retried at the next tick.
    case acceptExhausted(reason: String, refusedOne: Bool)
}
