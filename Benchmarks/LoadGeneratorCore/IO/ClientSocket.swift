import CSystem
import Glibc
import PushTransport

/// Non-blocking client sockets: optional source address, TCP_NODELAY, and an abortive close
/// that leaves no TIME_WAIT behind (a handshake benchmark opens more connections per minute than
/// there are ephemeral ports).
enum ClientSocket {
    /// Linux `IP_BIND_ADDRESS_NO_PORT`: pick the port at connect time, per destination.
    private static let bindAddressNoPort: Int32 = 24

    /// Starts a connect to `address` from `source` (an IPv4 literal, port chosen by the kernel).
    /// `receiveBuffer` sets SO_RCVBUF before the connect (so the window it advertises is small).
    /// Returns the descriptor; the connect may still be in progress.
    static func connect(to address: SocketAddress, from source: String?, receiveBuffer: Int32? = nil) -> Result<Int32, BenchError> {
        let ipv6 = address.family == .ipv6
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(BenchError("socket: \(describe(errno))")) }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer { _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        if let source, !ipv6 {
            _ = setsockopt(fd, Int32(IPPROTO_IP), bindAddressNoPort, &one, socklen_t(MemoryLayout<Int32>.size))
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            _ = inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound != 0 {
                let error = BenchError("bind \(source): \(describe(errno))")
                Glibc.close(fd)
                return .failure(error)
            }
        }
        let result = withSockaddr(address) { Glibc.connect(fd, $0, $1) }
        if result != 0 && errno != EINPROGRESS {
            let error = BenchError("connect \(address): \(describe(errno))")
            Glibc.close(fd)
            return .failure(error)
        }
        return .success(fd)
    }

    /// The pending error of a connect that signalled writability (0 when it succeeded).
    static func connectError(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { return errno }
        return code
    }

    /// Closes with RST (SO_LINGER 0): no TIME_WAIT on our side, no close handshake cost.
    static func abort(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(fd)
    }

    static func describe(_ code: Int32) -> String {
        (strerror(code).map { String(cString: $0) } ?? "error") + " (errno \(code))"
    }

    private static func withSockaddr<R>(_ address: SocketAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch address.family {
        case .ipv4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = address.port.bigEndian
            _ = inet_pton(AF_INET, address.host, &sin.sin_addr)
            return withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        case .ipv6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = address.port.bigEndian
            _ = inet_pton(AF_INET6, address.host, &sin6.sin6_addr)
            return withUnsafePointer(to: &sin6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
    }
}
