/// What one connection may cost: how long each phase may last and how much output may wait.
/// Set per listener from config; enforced by `Connection`, so no handler can forget it.
public struct ConnectionPolicy: Sendable, Equatable {
    /// Nanoseconds each phase may last before the connection is closed (or, for `.established`
    /// and other handler phases, before the handler is told — see `ConnectionHandler`).
    public var handshake: UInt64
    public var busy: UInt64
    public var idle: UInt64
    public var closing: UInt64
    public var draining: UInt64
    public var lingering: UInt64
    /// Output queued past this pauses reading the connection (its peer is not keeping up).
    public var highWatermark: Int
    /// Reading resumes once queued output is back at or below this.
    public var lowWatermark: Int
    /// Fan-out frames beyond this are refused (`send` returns false: a slow consumer).
    public var sendBufferLimit: Int
    /// Unsent bytes the kernel may hold for the connection (TCP_NOTSENT_LOWAT, set on the
    /// listening socket and inherited at accept); 0 leaves the kernel's own sizing.
    public var socketUnsentLimit: Int

    public init(handshakeSeconds: Double = 10, busySeconds: Double = 60, idleSeconds: Double = 60,
                closingSeconds: Double = 3, drainingSeconds: Double = 5, lingeringSeconds: Double = 2,
                highWatermark: Int = 256 * 1024, lowWatermark: Int = 64 * 1024, sendBufferLimit: Int = 1 << 20,
                socketUnsentLimit: Int = 128 * 1024) {
        handshake = MonotonicClock.seconds(handshakeSeconds)
        busy = MonotonicClock.seconds(busySeconds)
        idle = MonotonicClock.seconds(idleSeconds)
        closing = MonotonicClock.seconds(closingSeconds)
        draining = MonotonicClock.seconds(drainingSeconds)
        lingering = MonotonicClock.seconds(lingeringSeconds)
        self.highWatermark = highWatermark
        self.lowWatermark = lowWatermark
        self.sendBufferLimit = sendBufferLimit
        self.socketUnsentLimit = socketUnsentLimit
    }

    /// How long `phase` may last.
    public func timeout(_ phase: ConnectionPhase) -> UInt64 {
        switch phase {
        case .handshake: handshake
        case .busy: busy
        case .idle: idle
        case .established: idle
        case .closing: closing
        case .draining: draining
        case .lingering: lingering
        }
    }
}

/// Where a connection is in its life; each phase has a deadline, so nothing waits
/// forever (Docs/security.md, "What a connection may cost").
/// The handler moves between the first five; `Connection` itself enters the last two.
public enum ConnectionPhase: String, Sendable, Equatable, CaseIterable {
    /// TLS handshake and the request being received (first one, or a later keep-alive one).
    case handshake
    /// A request is being answered; the deadline restarts with each answer sent.
    case busy
    /// Keep-alive, nothing asked.
    case idle
    /// An upgraded session; the handler keeps the deadline moving (ping/pong liveness).
    case established
    /// A close was sent; waiting for the peer's reply.
    case closing
    /// Last output is being written before the write side is shut.
    case draining
    /// Write side shut; waiting for the peer's FIN.
    case lingering
}
