import Glibc
import Synchronization

/// What the handler of an outbound connection hears besides the `ConnectionHandler` calls.
/// Loop thread only, like those.
public protocol OutboundConnectionHandler: ConnectionHandler {
    /// TCP is connected; a TLS handshake, if any, starts now. Output queued before this leaves now.
    func connectionDidConnect(_ connection: Connection)
    /// The connect failed (refused, unreachable, reset); `connectionDidClose` follows at once.
    func connection(_ connection: Connection, connectFailed reason: String)
}

/// A connect refused before any socket was watched, with a one-line reason.
public struct OutboundConnectError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Connection {
    /// Ids of outbound connections: from the top half of the range, apart from accepted ones.
    private static let outboundIDs = Atomic<UInt64>(1 << 63)

    /// Starts a non-blocking connect to `address` and returns the connection, already pinned to
    /// `loop` (which must be the calling thread's) and counted in `group`'s connection budget.
    ///
    /// The connect runs in the loop: output sent before it completes waits in the queue, and
    /// the `.handshake` phase deadline (`policy.handshake`, from now) bounds connect, TLS
    /// handshake and whatever greeting the handler waits for, until the handler enters another
    /// phase. With `tls`, a client session is made for `serverName` (SNI and certificate name;
    /// see `TLSContext.makeClientSession`) and its handshake starts once TCP is up.
    /// Throws, having opened nothing, when the socket cannot be made or the connect fails at
    /// once; a later failure arrives as `connectFailed` and `connectionDidClose`.
    public static func connect(to address: SocketAddress, on loop: EventLoop, group: LoopGroup,
                               tls: TLSContext? = nil, serverName: String? = nil, policy: ConnectionPolicy,
                               handler: OutboundConnectionHandler,
                               onEvent: (@Sendable (TransportEvent) -> Void)? = nil) throws(OutboundConnectError) -> Connection {
        loop.preconditionOnLoop()
        guard group.reserveConnection() else {
            throw OutboundConnectError("connect \(address): the process holds its limit of \(group.maxConnections) connections")
        }
        let fd: Int32
        do {
            fd = try Socket.connect(to: address, nonBlocking: true)
        } catch {
            group.releaseConnection()
            throw OutboundConnectError(error.description)
        }
        var session: TLSSession?
        if let tls {
            session = tls.makeClientSession(fd: fd, serverName: serverName)
            if session == nil {
                Socket.close(fd)
                group.releaseConnection()
                throw OutboundConnectError("connect \(address): no TLS session for server name '\(serverName ?? "")'")
            }
        }
        let id = outboundIDs.wrappingAdd(1, ordering: .relaxed).oldValue
        let connection = Connection(fd: fd, id: id, loop: loop, group: group, peer: address,
                                    listener: ListenerInfo(name: "outbound", isTLS: tls != nil),
                                    tls: session, policy: policy, onEvent: onEvent)
        connection.connecting = true
        connection.start()
        // Registration failed (the epoll set is exhausted); no handler has been told anything.
        guard connection.state == .open else { throw OutboundConnectError("connect \(address): the event loop cannot watch one more socket") }
        connection.handler = handler
        return connection
    }

    /// The first readiness edge after the connect: the outcome is in SO_ERROR.
    func finishConnect() {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
        if error == 0 {
            // An edge without an outcome (none is expected): wait for the next one.
            var storage = sockaddr_storage()
            var size = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let connected = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &size) == 0 }
            }
            if !connected && errno == ENOTCONN { return }
        }
        connecting = false
        let outbound = handler as? OutboundConnectionHandler
        guard error == 0 else {
            outbound?.connection(self, connectFailed: SocketError("connect", errno: error, detail: peer?.description).description)
            close()
            return
        }
        outbound?.connectionDidConnect(self)
        if isTLS && state == .open { driveTLSHandshake() }
    }
}
