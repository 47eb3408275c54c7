import Glibc
import Synchronization

/// A listening socket, watched by one event loop (the accepting loop), which pins each new
/// connection to a loop round-robin: a connection for the accepting loop starts in the same
/// turn, one for another loop is handed over with `execute`.
///
/// Out of descriptors (EMFILE/ENFILE), it neither spins nor piles up retries: it gives back a
/// spare descriptor to accept one waiting connection and close it (that peer hears a close
/// instead of hanging in the backlog), takes the spare again, and tries once more at the loop's
/// next tick: one retry pending per listener, however many events arrive meanwhile.
///
/// Confinement: `watchToken`, `accepting`, `spareFD` and `retryPending` are touched only on the
/// accepting loop's thread (after `init`).
public final class Listener: LoopWatcher, @unchecked Sendable {
    public struct Configuration: Sendable {
        public var address: SocketAddress
        public var tls: TLSContext?
        public var policy: ConnectionPolicy
        public init(address: SocketAddress, tls: TLSContext? = nil, policy: ConnectionPolicy = ConnectionPolicy()) {
            self.address = address
            self.tls = tls
            self.policy = policy
        }
    }

    public typealias HandlerFactory = @Sendable (Connection) -> ConnectionHandler

    public let configuration: Configuration
    public let info: ListenerInfo
    /// The address actually bound (the real port when 0 was asked for).
    public private(set) var boundAddress: SocketAddress
    private let group: LoopGroup
    private let makeHandler: HandlerFactory
    private let onEvent: (@Sendable (TransportEvent) -> Void)?
    /// Shared by every connection this listener accepts.
    private let traits: ConnectionTraits
    private let acceptLoop: EventLoop
    private var watchToken = -1
    private var accepting = false
    /// Kept open to be given back when the process runs out of descriptors (-1: none held).
    private var spareFD: Int32
    /// A retry is waiting for the loop's next tick: events until then accept nothing.
    private var retryPending = false
    private let fd: Int32
    /// `accept4` on the listening socket; tests replace it (before `start`) to run out of descriptors.
    var acceptOne: (Int32) -> Socket.AcceptResult = { Socket.accept($0) }
    private let ids = Atomic<UInt64>(1)

    /// Binds and listens immediately (so a port clash fails start-up); call `start()` to accept.
    public init(_ configuration: Configuration, group: LoopGroup,
                onEvent: (@Sendable (TransportEvent) -> Void)? = nil,
                makeHandler: @escaping HandlerFactory) throws(SocketError) {
        self.configuration = configuration
        self.group = group
        self.makeHandler = makeHandler
        self.onEvent = onEvent
        self.fd = try Socket.listen(on: configuration.address, unsentLimit: Int32(clamping: configuration.policy.socketUnsentLimit))
        self.spareFD = Socket.openSpare()
        self.boundAddress = Socket.localAddress(fd) ?? configuration.address
        self.info = ListenerInfo(name: boundAddress.description, isTLS: configuration.tls != nil)
        self.traits = ConnectionTraits(listener: info, policy: configuration.policy, onEvent: onEvent)
        // Listeners take turns, so two listeners do not both load the first loop.
        self.acceptLoop = group.next()
    }

    public func start() {
        acceptLoop.sync {
            self.accepting = true
            self.watchToken = self.acceptLoop.watch(self.fd, .listener(self))
        }
    }

    /// Stops accepting and closes the listening socket. Open connections are not touched.
    public func stop() {
        acceptLoop.sync {
            guard self.watchToken >= 0 else { return }
            self.accepting = false
            self.acceptLoop.unwatch(self.watchToken)
            self.watchToken = -1
            Socket.close(self.fd)
            if self.spareFD >= 0 { Socket.close(self.spareFD) }
            self.spareFD = -1
        }
    }

    func loopReadable(hangUp: Bool) { acceptPending() }
    func loopWritable() {}

    /// Accepts until the backlog is empty (edge-triggered), at most 256 per turn so a connection
    /// storm cannot starve the loop's own connections. Over the connection cap (or the address
    /// quota) a connection is closed at once: the refusal costs one accept and one close.
    private func acceptPending() {
        guard accepting, !retryPending else { return }
        for _ in 0..<256 {
            switch acceptOne(fd) {
            case .accepted(let client, let peer):
                guard group.reserveConnection() else {
                    Socket.close(client)
                    onEvent?(.connectionLimitReached(limit: group.maxConnections))
                    continue
                }
                guard let reservation = group.addressQuota.reserve(peer) else {
                    Socket.close(client)
                    group.releaseConnection()
                    onEvent?(.addressLimitReached(peer: peer?.description ?? "?", limit: group.addressQuota.limit))
                    continue
                }
                hand(client, peer: peer, reservation: reservation)
            case .wouldBlock:
                return
            case .exhausted(let error):
                // No new edge comes for connections already waiting: hence the retry.
                onEvent?(.acceptExhausted(reason: error.description, refusedOne: refuseOneWithSpare()))
                retryAtNextTick()
                return
            case .failed(let error):
                onEvent?(.acceptFailed(error.description))
                retryAtNextTick()
                return
            }
        }
        acceptLoop.execute { [weak self] in self?.acceptPending() }
    }

    /// Out of descriptors: closes the spare, accepts one waiting connection into its place and
    /// closes that, then takes the spare again. True when a connection was refused so.
    private func refuseOneWithSpare() -> Bool {
        guard spareFD >= 0 else { return false }
        Socket.close(spareFD)
        var refused = false
        if case .accepted(let client, _) = acceptOne(fd) {
            Socket.close(client)
            refused = true
        }
        spareFD = Socket.openSpare()
        return refused
    }

    /// The one retry: at the loop's next tick, never a Dispatch timer per event (one chain per
    /// event kept Dispatch's pool busy while descriptors were out: Docs/security.md, "Descriptors").
    private func retryAtNextTick() {
        guard !retryPending else { return }
        retryPending = true
        acceptLoop.executeAtNextTick { [weak self] in
            guard let self else { return }
            self.retryPending = false
            if self.spareFD < 0 && self.accepting { self.spareFD = Socket.openSpare() }
            self.acceptPending()
        }
    }

    private func hand(_ fd: Int32, peer: SocketAddress?, reservation: AddressQuota.Reservation) {
        let loop = group.next()
        let id = ids.wrappingAdd(1, ordering: .relaxed).oldValue
        let tlsContext = configuration.tls
        let traits = self.traits
        let group = self.group
        let onEvent = self.onEvent
        let makeHandler = self.makeHandler
        let handed: @Sendable () -> Void = {
            var session: TLSSession?
            if let tlsContext {
                session = tlsContext.makeServerSession(fd: fd)
                if session == nil {
                    Socket.close(fd)
                    group.releaseConnection()
                    group.addressQuota.release(reservation)
                    onEvent?(.tlsHandshakeFailed(peer: peer?.description ?? "?", reason: "could not create TLS session"))
                    return
                }
            }
            let connection = Connection(fd: fd, id: id, loop: loop, group: group, peer: peer, tls: session,
                                        addressReservation: reservation, traits: traits)
            connection.handler = makeHandler(connection)
            connection.start()
        }
        if loop === acceptLoop {
            handed()
        } else if !loop.execute(handed) {
            // That loop has shut down (the server is stopping): nobody will serve this socket.
            Socket.close(fd)
            group.releaseConnection()
            group.addressQuota.release(reservation)
        }
    }
}
