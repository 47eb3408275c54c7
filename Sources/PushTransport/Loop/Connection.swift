import Glibc
import PushCodec

/// One accepted socket, pinned to one `EventLoop` for life.
///
/// Confinement: all mutable state is touched only on the loop thread. Other threads (the
/// broker's publishers, the store) hold references but only reach in through
/// `loop.execute { ... }`; that is what the `@unchecked Sendable` promises. The socket is
/// registered once, edge-triggered: a read runs until EAGAIN (or a fairness cap, then again next
/// turn), a blocked write waits for the writable edge. The descriptor is closed exactly once,
/// in `close()`, after the loop forgot its registration.
public final class Connection: LoopWatcher, @unchecked Sendable {
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
    private var watchToken = -1
    /// A write hit EAGAIN: the next writable edge resumes the flush.
    private var writeBlocked = false
    /// TLS needs the socket writable (handshake or a read that must write first).
    private var tlsWantsWritable = false
    private var readPaused = false
    /// Input arrived (an edge fired) while reads were paused: read when resumed.
    private var readMissed = false
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
    /// Set by the handler; loop thread only.
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

    /// Starts watching the socket. Loop thread only.
    func start() {
        loop.assertOnLoop()
        loop.register(self)
        watchToken = loop.watch(fd, self)
        if watchToken < 0 { close() }
    }

    func loopReadable() { handleReadable() }

    func loopWritable() {
        if tlsWantsWritable {
            tlsWantsWritable = false
            if tlsHandshaking { driveTLSHandshake(); return }
            handleReadable()
        }
        if writeBlocked {
            writeBlocked = false
            flush()
        }
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
        // Blocked: the writable edge resumes the flush; trying now would only meet EAGAIN again.
        guard state == .open || state == .draining, !tlsHandshaking, !writeBlocked else { return }
        while !outbound.isEmpty {
            let result = tls == nil ? writePlain() : writeTLS()
            switch result {
            case .progress: continue
            case .blocked:
                writeBlocked = true
                return
            case .waitForRead:
                return
            case .failed:
                close()
                return
            }
        }
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

    // MARK: Reading

    /// Stops delivering reads (e.g. while a token check runs off the loop). Costs no system
    /// call: input that arrives meanwhile is noted and read on resume.
    public func pauseReading() {
        loop.assertOnLoop()
        guard !readPaused, state != .closed else { return }
        readPaused = true
    }

    public func resumeReading() {
        loop.assertOnLoop()
        guard readPaused, state != .closed else { return }
        readPaused = false
        // An edge that fired while paused will not fire again; TLS may hold decrypted bytes.
        if readMissed || tls?.hasBufferedPlaintext == true {
            readMissed = false
            loop.execute { self.handleReadable() }
        }
    }

    private func handleReadable() {
        guard state != .closed else { return }
        if readPaused {
            readMissed = true
            return
        }
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
                case .wantWrite: tlsWantsWritable = true; return
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
        // Edge-triggered: input may be left that no new edge will announce. Paused: read it on
        // resume. Fairness cap reached: come back later in this turn, after the others.
        guard state != .closed else { return }
        if readPaused {
            readMissed = true
        } else if reads == 8 {
            loop.execute { self.handleReadable() }
        }
    }

    private func driveTLSHandshake() {
        guard let tls else { return }
        switch tls.handshake() {
        case .complete:
            tlsHandshaking = false
            if !outbound.isEmpty { loop.markDirty(self) }
        case .wantRead:
            break
        case .wantWrite:
            tlsWantsWritable = true
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
            // Drain what arrived while paused, so the peer's FIN is seen.
            loop.execute { self.handleReadable() }
        }
    }

    /// Closes now; queued output is dropped. Idempotent.
    public func close() {
        guard state != .closed else { return }
        state = .closed
        loop.unregister(self)
        loop.unwatch(watchToken)
        watchToken = -1
        outbound.removeAll()
        tls = nil
        Socket.close(fd)
        group.releaseConnection()
        let handler = self.handler
        self.handler = nil
        handler?.connectionDidClose(self)
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
