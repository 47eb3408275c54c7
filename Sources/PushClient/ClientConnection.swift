import Glibc
import PushTransport

/// A blocking TCP (optionally TLS) client connection in which every connect, read and write honours
/// a deadline: the descriptor is non-blocking and waits happen in poll(2).
///
/// For CLI commands, tests and upstream calls; one thread uses a connection at a time.
public final class ClientConnection {
    /// The URL this connection was opened for.
    public let url: ClientURL
    /// The address actually connected.
    public let remoteAddress: SocketAddress
    /// The TLS session, for `https`/`wss` URLs (certificate and verification details for `doctor`).
    public private(set) var tlsSession: TLSSession?
    /// Default budget of one read or write, in seconds.
    public let ioTimeout: Double
    private var fd: Int32

    /// Connects to `url` (TLS for `https`/`wss`: `tls`, or a context that verifies the peer when nil;
    /// `tls` is ignored for plain URLs). Connect plus TLS handshake must finish within `connectTimeout`.
    public init(url: ClientURL, tls: TLSContext? = nil, connectTimeout: Double = 5, ioTimeout: Double = 10) throws(ClientError) {
        self.url = url
        self.ioTimeout = ioTimeout
        let deadline = ClientDeadline(seconds: connectTimeout)
        let (fd, address) = try Self.connectTCP(url, deadline: deadline)
        self.fd = fd
        self.remoteAddress = address
        if url.isSecure {
            do {
                try startTLS(tls, deadline: deadline)
            } catch {
                close()
                throw error
            }
        }
    }

    deinit { close() }

    /// True once `close()` was called.
    public var isClosed: Bool { fd < 0 }

    /// Writes every byte within `ioTimeout`.
    public func write(_ bytes: [UInt8]) throws(ClientError) {
        try write(bytes, deadline: ClientDeadline(seconds: ioTimeout), "sending to \(url.authority)")
    }

    /// Appends at most `max` received bytes to `buffer` and returns how many (0 = the peer closed),
    /// waiting at most `timeout` seconds (`ioTimeout` when nil) for the first byte.
    public func read(into buffer: inout [UInt8], max: Int, timeout: Double? = nil) throws(ClientError) -> Int {
        try read(into: &buffer, max: max, deadline: ClientDeadline(seconds: timeout ?? ioTimeout),
                 "waiting for data from \(url.authority)")
    }

    /// Closes the connection (TLS close_notify is attempted, never waited for). Safe to call twice.
    public func close() {
        guard fd >= 0 else { return }
        tlsSession?.shutdown()
        Socket.close(fd)
        fd = -1
    }

    // MARK: - Deadline-aware I/O (for the HTTP and WebSocket clients)

    func write(_ bytes: [UInt8], deadline: ClientDeadline, _ what: String) throws(ClientError) {
        guard fd >= 0 else { throw ClientError(.closed, "connection to \(url.authority) is already closed") }
        var offset = 0
        while offset < bytes.count {
            let step = bytes.withUnsafeBytes { raw in writeOnce(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            switch step {
            case .progress(let n): offset += n
            case .wait(let events): try deadline.wait(fd: fd, for: events, what)
            case .eof: throw ClientError(.closed, "connection to \(url.authority) was closed by the peer while sending")
            case .failed(let error): throw error
            }
        }
    }

    func read(into buffer: inout [UInt8], max: Int, deadline: ClientDeadline, _ what: String) throws(ClientError) -> Int {
        guard fd >= 0 else { throw ClientError(.closed, "connection to \(url.authority) is already closed") }
        var chunk = [UInt8](repeating: 0, count: max)
        while true {
            switch chunk.withUnsafeMutableBytes({ readOnce($0) }) {
            case .progress(let n):
                buffer.append(contentsOf: chunk[..<n])
                return n
            case .eof: return 0
            case .wait(let events): try deadline.wait(fd: fd, for: events, what)
            case .failed(let error): throw error
            }
        }
    }

    private enum Step {
        case progress(Int)
        case wait(Int16)
        case eof
        case failed(ClientError)
    }

    private func writeOnce(_ bytes: UnsafeRawBufferPointer) -> Step {
        if let session = tlsSession {
            switch session.write(bytes) {
            case .wrote(let n): return .progress(n)
            case .wantRead: return .wait(Int16(POLLIN))
            case .wantWrite: return .wait(Int16(POLLOUT))
            case .closed: return .eof
            case .failed(let message): return .failed(ClientError(.tls, "TLS write to \(url.authority) failed: \(Self.detail(message, "TLS write failed: "))"))
            }
        }
        switch Socket.write(fd, bytes) {
        case .bytes(let n): return .progress(n)
        case .wouldBlock: return .wait(Int16(POLLOUT))
        case .eof: return .eof
        case .failed(let error): return .failed(ClientError(.closed, "send to \(url.authority): \(Self.reason(error.errno))"))
        }
    }

    private func readOnce(_ buffer: UnsafeMutableRawBufferPointer) -> Step {
        if let session = tlsSession {
            switch session.read(into: buffer) {
            case .bytes(let n): return .progress(n)
            case .wantRead: return .wait(Int16(POLLIN))
            case .wantWrite: return .wait(Int16(POLLOUT))
            case .closed: return .eof
            case .failed(let message): return .failed(ClientError(.tls, "TLS read from \(url.authority) failed: \(Self.detail(message, "TLS read failed: "))"))
            }
        }
        switch Socket.read(fd, into: buffer) {
        case .bytes(let n): return .progress(n)
        case .wouldBlock: return .wait(Int16(POLLIN))
        case .eof: return .eof
        case .failed(let error): return .failed(ClientError(.closed, "read from \(url.authority): \(Self.reason(error.errno))"))
        }
    }

    // MARK: - Connect

    /// Tries each resolved address in turn; the last failure is reported.
    private static func connectTCP(_ url: ClientURL, deadline: ClientDeadline) throws(ClientError) -> (Int32, SocketAddress) {
        let addresses = try resolve(url)
        var lastError = ClientError(.connect, "resolve \(url.host): no addresses")
        for address in addresses {
            do {
                return (try connect(to: address, deadline: deadline), address)
            } catch {
                lastError = error
                if error.kind == .timeout { break }
            }
        }
        throw lastError
    }

    private static func connect(to address: SocketAddress, deadline: ClientDeadline) throws(ClientError) -> Int32 {
        let fd: Int32
        do {
            fd = try Socket.connect(to: address, nonBlocking: true)
        } catch {
            throw ClientError(.connect, error.description)
        }
        do {
            try deadline.wait(fd: fd, for: Int16(POLLOUT), "connecting to \(address)")
        } catch {
            Socket.close(fd)
            throw error
        }
        var soError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length) != 0 { soError = errno }
        guard soError == 0 else {
            Socket.close(fd)
            throw ClientError(.connect, "connect \(address): \(reason(soError))")
        }
        return fd
    }

    /// Numeric hosts and `localhost` need no lookup; other names go through getaddrinfo.
    private static func resolve(_ url: ClientURL) throws(ClientError) -> [SocketAddress] {
        if let address = try? SocketAddress(host: url.connectHost, port: url.port) { return [address] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(url.host, nil, &hints, &list)
        guard status == 0 else {
            throw ClientError(.connect, "resolve \(url.host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let sockaddr = info.ai_addr else { continue }
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(sockaddr, info.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let address = try? SocketAddress(host: host, port: url.port), !addresses.contains(address) {
                addresses.append(address)
            }
        }
        guard !addresses.isEmpty else { throw ClientError(.connect, "resolve \(url.host): no usable addresses") }
        return addresses
    }

    // MARK: - TLS

    private func startTLS(_ given: TLSContext?, deadline: ClientDeadline) throws(ClientError) {
        let context: TLSContext
        if let given {
            context = given
        } else {
            do {
                context = try TLSContext.client(verifyPeer: true)
            } catch {
                throw ClientError(.tls, "TLS setup for \(url.authority) failed: \(error)")
            }
        }
        // The session sends a name as SNI and checks the certificate against the name or address.
        guard let session = context.makeClientSession(fd: fd, serverName: url.host) else {
            throw ClientError(.tls, "TLS session for \(url.authority) could not be created")
        }
        tlsSession = session
        while true {
            switch session.handshake() {
            case .complete: return
            case .wantRead: try deadline.wait(fd: fd, for: Int16(POLLIN), "during the TLS handshake with \(url.authority)")
            case .wantWrite: try deadline.wait(fd: fd, for: Int16(POLLOUT), "during the TLS handshake with \(url.authority)")
            case .failed(let message):
                throw ClientError(.tls, "TLS handshake with \(url.authority) failed: \(Self.detail(message, "TLS handshake failed: "))")
            }
        }
    }

    /// The TLS layer's message without its generic prefix, which our message already says better.
    private static func detail(_ message: String, _ prefix: String) -> String {
        message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
