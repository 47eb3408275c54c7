import Glibc
import PushCodec
import PushTransport
import Synchronization

/// A loopback server for client tests: a thread runs a script against a listening socket on
/// 127.0.0.1:<ephemeral>, answering canned bytes. Every wait has a timeout, so a broken client
/// makes a test fail instead of hang. The script records what it saw with `record`.
final class FakeServer: Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let events = Mutex<[String]>([])
    private let thread = Mutex<pthread_t?>(nil)
    private let listening = Mutex(true)

    init() throws {
        listenFD = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0), backlog: 16)
        port = Socket.localAddress(listenFD)?.port ?? 0
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `script` on its own thread.
    func run(_ script: @escaping @Sendable (FakeServer) -> Void) {
        final class Box { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }
        let box = Unmanaged.passRetained(Box { script(self) }).toOpaque()
        var tid = pthread_t()
        let created = pthread_create(&tid, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, box)
        precondition(created == 0, "pthread_create failed")
        thread.withLock { $0 = tid }
    }

    /// Waits for the script to end, closes the listener and returns what it recorded.
    func finish() -> [String] {
        if let tid = thread.withLock({ $0 }) { pthread_join(tid, nil) }
        stopListening()
        return recorded
    }

    /// Closes the listening socket (once), so connects to `port` are refused.
    func stopListening() {
        if listening.withLock({ let was = $0; $0 = false; return was }) { Socket.close(listenFD) }
    }

    deinit { stopListening() }

    func record(_ event: String) { events.withLock { $0.append(event) } }
    var recorded: [String] { events.withLock { $0 } }

    /// Waits until the script recorded `event` (for ordering the client after a server step).
    func waitFor(_ event: String, timeout: Double = 2) -> Bool {
        var waited = 0.0
        while waited < timeout {
            if recorded.contains(event) { return true }
            usleep(5000)
            waited += 0.005
        }
        return false
    }

    /// The next connection, or nil after `timeout` seconds.
    func accept(timeout: Double = 2) -> FakePeer? {
        var entry = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeout * 1000)) > 0 else { return nil }
        if case .accepted(let fd, _) = Socket.accept(listenFD) { return FakePeer(fd: fd) }
        return nil
    }
}

/// One accepted connection of a `FakeServer`, with blocking reads and writes that time out.
final class FakePeer {
    private(set) var fd: Int32
    private var pending: [UInt8] = []
    private var parser = HTTPParser()
    private var tls: TLSSession?

    init(fd: Int32) { self.fd = fd }

    /// Runs the server side of a TLS handshake; false when it fails or times out.
    func startTLS(_ context: TLSContext, timeout: Double = 2) -> Bool {
        guard let session = context.makeServerSession(fd: fd) else { return false }
        tls = session
        while true {
            switch session.handshake() {
            case .complete: return true
            case .wantRead: guard waitReadable(events: Int16(POLLIN), timeout: timeout) else { return false }
            case .wantWrite: guard waitReadable(events: Int16(POLLOUT), timeout: timeout) else { return false }
            case .failed: return false
            }
        }
    }
    deinit { close() }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { rawWrite(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch result {
            case .bytes(let n): offset += n
            case .wouldBlock: waitReadable(events: Int16(POLLOUT), timeout: 2)
            default: return
            }
        }
    }

    func write(_ text: String) { write(Array(text.utf8)) }

    /// Up to 64 KiB, or [] on EOF, error or timeout.
    func readSome(timeout: Double = 2) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            switch buffer.withUnsafeMutableBytes({ rawRead($0) }) {
            case .bytes(let n): return Array(buffer[..<n])
            case .wouldBlock: guard waitReadable(events: Int16(POLLIN), timeout: timeout) else { return [] }
            case .eof, .failed: return []
            }
        }
    }

    /// The next HTTP request (parsed by the server's own parser), or nil.
    func readRequest(timeout: Double = 2) -> HTTPRequest? {
        while true {
            if let request = try? parser.next() { return request }
            let bytes = readSome(timeout: timeout)
            if bytes.isEmpty { return nil }
            parser.append(bytes)
        }
    }

    /// Exactly `count` bytes (after any left over from the request parser), or nil.
    func readExactly(_ count: Int, timeout: Double = 2) -> [UInt8]? {
        pending += parser.takeBufferedBytes()
        while pending.count < count {
            let bytes = readSome(timeout: timeout)
            if bytes.isEmpty { return nil }
            pending += bytes
        }
        let result = Array(pending[..<count])
        pending.removeFirst(count)
        return result
    }

    /// Decodes one client frame: (fin, opcode, masked, mask key, unmasked payload).
    func readClientFrame() -> (fin: Bool, opcode: UInt8, masked: Bool, key: [UInt8], payload: [UInt8])? {
        guard let head = readExactly(2) else { return nil }
        var length = Int(head[1] & 0x7F)
        if length == 126 {
            guard let ext = readExactly(2) else { return nil }
            length = Int(ext[0]) << 8 | Int(ext[1])
        } else if length == 127 {
            guard let ext = readExactly(8) else { return nil }
            length = ext.reduce(0) { $0 << 8 | Int($1) }
        }
        let masked = head[1] & 0x80 != 0
        let key = masked ? (readExactly(4) ?? []) : []
        guard let raw = readExactly(length) else { return nil }
        let payload = masked ? raw.enumerated().map { $0.element ^ key[$0.offset & 3] } : raw
        return (head[0] & 0x80 != 0, head[0] & 0x0F, masked, key, payload)
    }

    /// True when the client closed its side within `timeout`.
    func waitForEOF(timeout: Double = 2) -> Bool {
        while true {
            var buffer = [UInt8](repeating: 0, count: 4096)
            switch buffer.withUnsafeMutableBytes({ rawRead($0) }) {
            case .bytes: continue
            case .wouldBlock: guard waitReadable(events: Int16(POLLIN), timeout: timeout) else { return false }
            case .eof, .failed: return true
            }
        }
    }

    func close() {
        guard fd >= 0 else { return }
        tls?.shutdown()
        tls = nil
        Socket.close(fd)
        fd = -1
    }

    /// One read through TLS when started, else from the socket.
    private func rawRead(_ buffer: UnsafeMutableRawBufferPointer) -> Socket.IOResult {
        guard let tls else { return Socket.read(fd, into: buffer) }
        switch tls.read(into: buffer) {
        case .bytes(let n): return .bytes(n)
        case .wantRead, .wantWrite: return .wouldBlock
        case .closed: return .eof
        case .failed: return .failed(SocketError("tls read"))
        }
    }

    private func rawWrite(_ bytes: UnsafeRawBufferPointer) -> Socket.IOResult {
        guard let tls else { return Socket.write(fd, bytes) }
        switch tls.write(bytes) {
        case .wrote(let n): return .bytes(n)
        case .wantRead, .wantWrite: return .wouldBlock
        case .closed: return .eof
        case .failed: return .failed(SocketError("tls write"))
        }
    }

    @discardableResult
    private func waitReadable(events: Int16, timeout: Double) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        return poll(&entry, 1, Int32(timeout * 1000)) > 0
    }
}

/// An unmasked server frame.
func serverFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
    var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    if payload.count < 126 {
        out.append(UInt8(payload.count))
    } else if payload.count <= 0xFFFF {
        out += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    } else {
        out.append(127)
        out += (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> ($0 * 8)) }
    }
    return out + payload
}

func serverFrame(_ opcode: UInt8, _ text: String, fin: Bool = true) -> [UInt8] { serverFrame(opcode, Array(text.utf8), fin: fin) }
