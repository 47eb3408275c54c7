import Dispatch
import Glibc
import Synchronization

/// A listening socket. Accepts on its own serial queue and pins each new connection to a loop.
///
/// Confinement: `source` and `backoff` are touched only on `acceptQueue`.
public final class Listener: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var address: SocketAddress
        public var tls: TLSContext?
        public var sendBufferBytes: Int
        public init(address: SocketAddress, tls: TLSContext? = nil, sendBufferBytes: Int = 1 << 20) {
            self.address = address
            self.tls = tls
            self.sendBufferBytes = sendBufferBytes
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
    private let acceptQueue: DispatchQueue
    private var source: DispatchSourceRead?
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
        self.acceptQueue = DispatchQueue(label: "wamp-push.accept.\(boundAddress)")
    }

    public func start() {
        acceptQueue.sync {
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
            let fd = self.fd
            source.setEventHandler { [unowned self] in self.acceptPending() }
            source.setCancelHandler { Socket.close(fd) }
            self.source = source
            source.resume()
        }
    }

    /// Stops accepting and closes the listening socket. Open connections are not touched.
    public func stop() {
        acceptQueue.sync {
            source?.cancel()
            source = nil
        }
    }

    private func acceptPending() {
        for _ in 0..<256 {
            switch Socket.accept(fd) {
            case .accepted(let client, let peer):
                guard group.reserveConnection() else {
                    Socket.close(client)
                    onEvent?(.connectionLimitReached(limit: group.maxConnections))
                    continue
                }
                hand(client, peer: peer)
            case .wouldBlock:
                return
            case .exhausted(let error):
                // Out of descriptors: pause accepting briefly instead of spinning on the event.
                onEvent?(.acceptFailed(error.description))
                source?.suspend()
                acceptQueue.asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in self?.source?.resume() }
                return
            case .failed(let error):
                onEvent?(.acceptFailed(error.description))
                return
            }
        }
    }

    private func hand(_ fd: Int32, peer: SocketAddress?) {
        let loop = group.next()
        let id = ids.wrappingAdd(1, ordering: .relaxed).oldValue
        let tlsContext = configuration.tls
        let limit = configuration.sendBufferBytes
        let info = self.info
        let group = self.group
        let onEvent = self.onEvent
        let makeHandler = self.makeHandler
        loop.execute {
            var session: TLSSession?
            if let tlsContext {
                session = tlsContext.makeServerSession(fd: fd)
                if session == nil {
                    Socket.close(fd)
                    group.releaseConnection()
                    onEvent?(.tlsHandshakeFailed(peer: peer?.description ?? "?", reason: "could not create TLS session"))
                    return
                }
            }
            let connection = Connection(fd: fd, id: id, loop: loop, group: group, peer: peer, listener: info,
                                        tls: session, sendBufferLimit: limit, onEvent: onEvent)
            connection.handler = makeHandler(connection)
            connection.start()
        }
    }
}
