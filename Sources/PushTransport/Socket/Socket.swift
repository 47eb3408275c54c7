import CSystem
import Glibc

/// Every libc socket call the transport makes, each wrapped once, with errors that name the call.
/// Descriptors are plain `Int32`s here; ownership (who closes, exactly once) lives in `Connection`
/// and `Listener`.
public enum Socket {
    public enum IOResult: Equatable {
        case bytes(Int)
        case wouldBlock
        case eof
        case failed(SocketError)
    }

    /// A non-blocking, close-on-exec listening socket with SO_REUSEADDR (and IPV6_V6ONLY for IPv6).
    /// TCP_NODELAY and, when `unsentLimit` > 0, TCP_NOTSENT_LOWAT are set here: every accepted
    /// socket inherits them from the listener (Linux copies the TCP options at accept), so a
    /// handshake costs no `setsockopt`. The unsent limit keeps the kernel from holding megabytes
    /// for a peer that stops reading (on loopback it grows the send buffer to ~4 MiB): past it a
    /// write meets EAGAIN and the rest waits in our own queue, which the server bounds.
    public static func listen(on address: SocketAddress, backlog: Int32 = 4096, unsentLimit: Int32 = 0) throws(SocketError) -> Int32 {
        let domain = address.family == .ipv4 ? AF_INET : AF_INET6
        let fd = Glibc.socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if address.family == .ipv6 {
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if unsentLimit > 0 {
            var limit = unsentLimit
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &limit, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSockaddr { Glibc.bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = SocketError("bind", detail: address.description)
            Glibc.close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SocketError("listen", detail: address.description)
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    public enum AcceptResult {
        case accepted(Int32, SocketAddress?)
        case wouldBlock
        /// Out of descriptors or memory: the listener should back off, not spin.
        case exhausted(SocketError)
        case failed(SocketError)
    }

    /// `accept4` with NONBLOCK|CLOEXEC; the TCP options come from the listener (see `listen`).
    public static func accept(_ listenFD: Int32) -> AcceptResult {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        if fd < 0 {
            switch errno {
            // A connection reset while queued is gone; the backlog may hold more (edge-triggered
            // callers accept until EAGAIN), so try again.
            case EINTR, ECONNABORTED: return accept(listenFD)
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .exhausted(SocketError("accept4"))
            default: return .failed(SocketError("accept4"))
            }
        }
        let peer = withUnsafePointer(to: &storage) { SocketAddress.from($0) }
        return .accepted(fd, peer)
    }

    /// A blocking-free connect for clients (tests, doctor, load generator). Returns the fd; the
    /// connection may still be in progress (EINPROGRESS) when `nonBlocking` is true.
    public static func connect(to address: SocketAddress, nonBlocking: Bool) throws(SocketError) -> Int32 {
        let domain = address.family == .ipv4 ? AF_INET : AF_INET6
        var type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        let fd = Glibc.socket(domain, type, 0)
        guard fd >= 0 else { throw SocketError("socket") }
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if result != 0 && !(nonBlocking && errno == EINPROGRESS) {
            let error = SocketError("connect", detail: address.description)
            Glibc.close(fd)
            throw error
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .eof }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(SocketError("read"))
            }
        }
    }

    /// `send` with MSG_NOSIGNAL, so a dead peer never raises SIGPIPE.
    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(SocketError("send"))
            }
        }
    }

    /// Gathered write of several queued buffers in one system call (`sendmsg`, MSG_NOSIGNAL).
    public static func writev(_ fd: Int32, _ iov: UnsafeMutablePointer<iovec>, count: Int) -> IOResult {
        var message = msghdr()
        message.msg_iov = iov
        message.msg_iovlen = count
        while true {
            let n = sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(SocketError("sendmsg"))
            }
        }
    }

    public static func shutdownWrite(_ fd: Int32) { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// Bytes in the kernel's send queue the peer has not acknowledged (0 when unknown).
    public static func unsentBytes(_ fd: Int32) -> Int { max(0, Int(wp_unsent_bytes(fd))) }

    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Closes with a reset (SO_LINGER 0): what the kernel still holds for the peer is dropped at
    /// once instead of waiting, orphaned, for a peer that takes nothing, and the peer learns of
    /// the close even though its window is shut (a FIN would queue behind the unsent bytes).
    public static func abort(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        _ = Glibc.close(fd)
    }

    /// A descriptor held only to be given back under EMFILE (`/dev/null`, close-on-exec); -1 if none.
    static func openSpare() -> Int32 { Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC) }

    public static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    public static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard ok == 0 else { return nil }
        return withUnsafePointer(to: &storage) { SocketAddress.from($0) }
    }
}
