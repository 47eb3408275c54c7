import Dispatch
import Glibc
import PushCodec

/// One accepted socket, pinned to one `EventLoop` for life.
///
/// Confinement: all mutable state is touched only on `loop.queue`. Other queues (the broker, the
/// store) hold references but only reach in through `loop.execute { ... }`; that is what the
/// `@unchecked Sendable` promises. The descriptor is closed exactly once, in the last dispatch
/// source's cancel handler, so its number cannot be reused while a source still watches it.
public final class Connection: @unchecked Sendable {
    public enum State: Equatable { case open, draining, lingering, closed }

    public let id: UInt64
    public let loop: EventLoop
    public let peer: SocketAddress?
    public let listener: ListenerInfo
    public var handler: ConnectionHandler?
    public private(set) var state: State = .open
    /// Bytes queued beyond this close the connection as a slow consumer (SPEC section 4).
    public let sendBufferLimit: Int

    private let fd: Int32
    private let group: LoopGroup
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var writeSourceRunning = false
    private var readPaused = false
    private var liveSources = 0
    private var tls: TLSSession?
    private var tlsHandshaking = false
    /// Length of a TLS write that returned WANT_*: OpenSSL needs the retry to carry the same bytes.
    private var tlsRetryLength = 0
    private var outbound = OutboundQueue()
    private var lingerDeadline: UInt64 = 0
    private let onEvent: (@Sendable (TransportEvent) -> Void)?

    var isDirty = false
    var loopSlot = -1
    /// Request/response traffic (HTTP) is flushed before fan-out traffic in a loop turn.
    /// Set by the handler; loop queue only.
    public var flushesFirst = false

    init(fd: Int32, id: UInt64, loop: EventLoop, group: LoopGroup, peer: SocketAddress?, listener: ListenerInfo,
         tls: TLSSession?, sendBufferLimit: Int, onEvent: (@Sendable (TransportEvent) -> Void)?) {
        self.fd = fd
        self.id = id
        self.loop = loop
        self.group = group
        self.peer = peer
        self.listener = listener
        self.tls = tls
        self.tlsHandshaking = tls != nil
        self.sendBufferLimit = sendBufferLimit
        self.onEvent = onEvent
    }

    /// Starts watching the socket. Loop queue only.
    func start() {
        loop.assertOnLoop()
        loop.register(self)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: loop.queue)
        source.setEventHandler { [unowned self] in self.handleReadable() }
        source.setCancelHandler { [self] in self.sourceCancelled() }
        liveSources += 1
        readSource = source
        source.resume()
    }

    public var isTLS: Bool { tls != nil }
    public var queuedBytes: Int { outbound.queuedBytes }

    // MARK: Writing

    /// Queues a frame (shared, never copied) for the end-of-turn flush.
    /// Returns false, queueing nothing, if the send buffer limit would be passed.
    @discardableResult
    public func send(_ frame: SharedBytes) -> Bool {
        loop.assertOnLoop()
        guard state == .open else { return false }
        if outbound.queuedBytes + frame.count > sendBufferLimit && outbound.queuedBytes > 0 { return false }
        outbound.append(frame)
        loop.markDirty(self)
        return true
    }

    /// Queues bytes past the limit (close frames, error responses: they must go out).
    public func sendUnbounded(_ frame: SharedBytes) {
        loop.assertOnLoop()
        guard state == .open || state == .draining else { return }
        outbound.append(frame)
        loop.markDirty(self)
    }

    /// Writes what is queued: one `sendmsg` of every queued frame, until the kernel pushes back.
    func flush() {
        isDirty = false
        guard state == .open || state == .draining, !tlsHandshaking else { return }
        while !outbound.isEmpty {
            let result = tls == nil ? writePlain() : writeTLS()
            switch result {
            case .progress: continue
            case .blocked:
                enableWriteSource()
                return
            case .waitForRead:
                return
            case .failed:
                close()
                return
            }
        }
        disableWriteSource()
        if state == .draining { beginLinger() }
    }

    private enum WriteOutcome { case progress, blocked, waitForRead, failed }

    private func writePlain() -> WriteOutcome {
        let count = outbound.fill(loop.iovecs, max: EventLoop.maxIOVecs)
        switch Socket.writev(fd, loop.iovecs, count: count) {
        case .bytes(let n):
            outbound.consume(n)
            return .progress
        case .wouldBlock: return .blocked
        case .eof, .failed: return .failed
        }
    }

    private func writeTLS() -> WriteOutcome {
        guard let tls else { return .failed }
        // Large frames go straight from their shared block; small ones are gathered into one record.
        var chunk: UnsafeRawBufferPointer
        if let head = outbound.headChunk, head.count >= loop.tlsScratch.count || tlsRetryLength > loop.tlsScratch.count {
            chunk = UnsafeRawBufferPointer(rebasing: head[0..<(tlsRetryLength > 0 ? min(tlsRetryLength, head.count) : head.count)])
        } else {
            let limit = tlsRetryLength > 0 ? tlsRetryLength : loop.tlsScratch.count
            let n = outbound.gather(into: loop.tlsScratch, limit: limit)
            chunk = UnsafeRawBufferPointer(rebasing: loop.tlsScratch[0..<n])
        }
        switch tls.write(chunk) {
        case .wrote(let n):
            tlsRetryLength = 0
            outbound.consume(n)
            return .progress
        case .wantWrite:
            tlsRetryLength = chunk.count
            return .blocked
        case .wantRead:
            tlsRetryLength = chunk.count
            return .waitForRead
        case .closed, .failed:
            return .failed
        }
    }

    private func enableWriteSource() {
        if writeSource == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: loop.queue)
            source.setEventHandler { [unowned self] in self.handleWritable() }
            source.setCancelHandler { [self] in self.sourceCancelled() }
            liveSources += 1
            writeSource = source
        }
        if !writeSourceRunning {
            writeSourceRunning = true
            writeSource?.resume()
        }
    }

    private func disableWriteSource() {
        if writeSourceRunning {
            writeSourceRunning = false
            writeSource?.suspend()
        }
    }

    private func handleWritable() {
        if tlsHandshaking {
            driveTLSHandshake()
            return
        }
        flush()
    }

    // MARK: Reading

    /// Stops delivering reads (e.g. while a token check runs off the loop).
    public func pauseReading() {
        loop.assertOnLoop()
        guard !readPaused, state != .closed else { return }
        readPaused = true
        readSource?.suspend()
    }

    public func resumeReading() {
        loop.assertOnLoop()
        guard readPaused, state != .closed else { return }
        readPaused = false
        readSource?.resume()
        // TLS may hold decrypted bytes the socket no longer signals.
        if tls?.hasBufferedPlaintext == true { loop.queue.async { self.handleReadable() } }
    }

    private func handleReadable() {
        guard state != .closed, !readPaused else { return }
        if tlsHandshaking {
            driveTLSHandshake()
            if tlsHandshaking || state == .closed { return }
        }
        var reads = 0
        while state != .closed && !readPaused && reads < 8 {
            reads += 1
            let n: Int
            if let tls {
                switch tls.read(into: loop.readBuffer) {
                case .bytes(let count): n = count
                case .wantRead: return
                case .wantWrite: enableWriteSource(); return
                case .closed: peerClosed(); return
                case .failed: close(); return
                }
            } else {
                switch Socket.read(fd, into: loop.readBuffer) {
                case .bytes(let count): n = count
                case .wouldBlock: return
                case .eof: peerClosed(); return
                case .failed: close(); return
                }
            }
            if state == .lingering { continue } // discard: we are waiting for the peer's FIN
            handler?.connection(self, didRead: UnsafeMutableRawBufferPointer(rebasing: loop.readBuffer[0..<n]))
            if tls != nil && tlsRetryLength > 0 && !outbound.isEmpty { flush() }
        }
        // Fairness cap reached: come back after other connections had their turn.
        if state != .closed && !readPaused && tls?.hasBufferedPlaintext == true {
            loop.queue.async { self.handleReadable() }
        }
    }

    private func driveTLSHandshake() {
        guard let tls else { return }
        switch tls.handshake() {
        case .complete:
            tlsHandshaking = false
            disableWriteSource()
            if !outbound.isEmpty { loop.markDirty(self) }
        case .wantRead:
            disableWriteSource()
        case .wantWrite:
            enableWriteSource()
        case .failed(let reason):
            onEvent?(.tlsHandshakeFailed(peer: peer?.description ?? "?", reason: reason))
            close()
        }
    }

    private func peerClosed() {
        close()
    }

    // MARK: Closing

    /// Sends what is queued, then closes: write side first, then read until the peer's FIN
    /// (bounded), so unread input never turns our last bytes into a reset.
    public func closeAfterFlush() {
        loop.assertOnLoop()
        guard state == .open else { return }
        state = .draining
        if outbound.isEmpty && !isDirty { beginLinger() } else { loop.markDirty(self) }
    }

    private func beginLinger() {
        guard state == .draining else { return }
        state = .lingering
        tls?.shutdown()
        Socket.shutdownWrite(fd)
        lingerDeadline = MonotonicClock.now() + MonotonicClock.seconds(2)
        if readPaused {
            readPaused = false
            readSource?.resume()
        }
    }

    /// Closes now; queued output is dropped. Idempotent.
    public func close() {
        guard state != .closed else { return }
        state = .closed
        loop.unregister(self)
        outbound.removeAll()
        if let readSource {
            if readPaused { readSource.resume(); readPaused = false }
            readSource.cancel()
        }
        if let writeSource {
            if !writeSourceRunning { writeSource.resume(); writeSourceRunning = true }
            writeSource.cancel()
        }
        tls = nil
        let handler = self.handler
        self.handler = nil
        handler?.connectionDidClose(self)
    }

    private func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0 {
            Socket.close(fd)
            group.releaseConnection()
            readSource = nil
            writeSource = nil
        }
    }

    func tick(now: UInt64) {
        if state == .lingering {
            if now >= lingerDeadline { close() }
            return
        }
        handler?.connectionTick(self, now: now)
    }
}

/// Which listener accepted a connection (for routing decisions and metrics).
public struct ListenerInfo: Sendable, Hashable {
    public let name: String
    public let isTLS: Bool
    public init(name: String, isTLS: Bool) { self.name = name; self.isTLS = isTLS }
}
