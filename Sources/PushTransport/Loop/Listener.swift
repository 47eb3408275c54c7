import Dispatch
import Glibc
import Synchronization

/// A listening socket, watched by one event loop (the accepting loop), which pins each new
/// connection to a loop round-robin: a connection for the accepting loop starts in the same
/// turn, one for another loop is handed over with `execute`.
///
/// Confinement: `watchToken` and `accepting` are touched only on the accepting loop's thread.
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
    private let acceptLoop: EventLoop
    private var watchToken = -1
    private var accepting = false
    private let fd: Int32
    private let ids = Atomic<UInt64>(1)

    /// Binds and listens immediately (so a port clash fails start-up); call `start()` to accept.
    public init(_ configuration: Configuration, group: LoopGroup,
                onEvent: (@Sendable (TransportEvent) -> Void)? = nil,
                makeHandler: @escaping HandlerFactory) throws(SocketError) {
        self.configuration = configuration
        self.group = group
        self.makeHandler = makeHandler
        self.onEvent = onEvent
        self.fd = try Socket.listen(on: configuration.address)
        self.boundAddress = Socket.localAddress(fd) ?? configuration.address
        self.info = ListenerInfo(name: boundAddress.description, isTLS: configuration.tls != nil)
        // Listeners take turns, so two listeners do not both load the first loop.
        self.acceptLoop = group.next()
    }

    public func start() {
        acceptLoop.sync {
            self.accepting = true
            self.watchToken = self.acceptLoop.watch(self.fd, self)
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
        }
    }

    func loopReadable() { acceptPending() }
    func loopWritable() {}

    /// Accepts until the backlog is empty (edge-triggered), at most 256 per turn so a connection
    /// storm cannot starve the loop's own connections.
    private func acceptPending() {
        guard accepting else { return }
        for _ in 0..<256 {
            switch Socket.accept(fd) {
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
                // Out of descriptors: try again in 100 ms instead of spinning. No new edge
                // comes for connections already waiting, hence the explicit retry.
                onEvent?(.acceptFailed(error.description))
                let loop = acceptLoop
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in
                    guard let listener = self else { return }
                    loop.execute { listener.acceptPending() }
                }
                return
            case .failed(let error):
                onEvent?(.acceptFailed(error.description))
                return
            }
        }
        acceptLoop.execute { [weak self] in self?.acceptPending() }
    }

    private func hand(_ fd: Int32, peer: SocketAddress?, reservation: AddressQuota.Reservation) {
        let loop = group.next()
        let id = ids.wrappingAdd(1, ordering: .relaxed).oldValue
        let tlsContext = configuration.tls
        let policy = configuration.policy
        let info = self.info
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
            let connection = Connection(fd: fd, id: id, loop: loop, group: group, peer: peer, listener: info,
                                        tls: session, policy: policy, addressReservation: reservation, onEvent: onEvent)
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
