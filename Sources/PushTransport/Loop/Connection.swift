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
///
/// What a peer may cost is owned here, not by the handlers (`ConnectionPolicy`): every phase has
/// a deadline checked by the loop's ticker, and output queued past the high watermark stops
/// reading until the peer has taken it down to the low watermark — so a peer that sends and
/// never reads holds at most about one watermark of output and one read of input.
public final class Connection: LoopWatcher, @unchecked Sendable {
    /// The coarse view of `phase` that callers test (`state == .open`): one stored value, the
    /// phase, decides both, so they cannot disagree.
    public enum State: Equatable { case open, draining, lingering, closed }

    public let id: UInt64
    public let loop: EventLoop
    public let peer: SocketAddress?
    public var listener: ListenerInfo { traits.listener }
    public var handler: ConnectionHandler?
    public var state: State {
        if closed { return .closed }
        switch phase {
        case .draining: return .draining
        case .lingering: return .lingering
        case .handshake, .busy, .idle, .established, .closing: return .open
        }
    }
    /// Deadlines and output limits; `sendBufferLimit` is the slow-consumer bound (Docs/protocol.md, "WebSocket").
    public var policy: ConnectionPolicy { traits.policy }
    /// Listener, policy and event sink, shared with the listener's other connections.
    private let traits: ConnectionTraits
    /// When `phase` ends (loop clock); see `enter(_:)`.
    public internal(set) var deadline: UInt64
    /// While draining: bytes not yet taken by the peer (ours queued plus the kernel's) at the
    /// last tick; fewer at the next one means the peer is slow, not stuck.
    var unsentAtDrainMark = 0
    private let group: LoopGroup
    // The two 32-bit indexes below share one word (Docs/benchmarks.md, "Idle memory per connection").
    private var watchToken: Int32 = -1
    /// Where this connection sits in its loop's list (-1 when not registered); loop thread only.
    var indexInLoop: Int32 = -1
    private var tls: TLSSession?
    /// Length of a TLS write that returned WANT_*: OpenSSL needs the retry to carry the same bytes.
    private var tlsRetryLength = 0
    var outbound = OutboundQueue()
    var onEvent: (@Sendable (TransportEvent) -> Void)? { traits.onEvent }
    /// The source-address reservation this connection holds (released on close).
    let addressReservation: AddressQuota.Reservation

    // The small fields below are declared together: Swift lays stored properties out in
    // declaration order, so scattered flags would each pad to 8 bytes (Docs/benchmarks.md).
    let fd: Int32
    /// The current phase; see `enter(_:)`. Handler phases (handshake to closing) are the
    /// handler's to name; draining and lingering the connection's own.
    public internal(set) var phase: ConnectionPhase = .handshake
    /// Set once by `close()`; the phase is then the one the connection ended in.
    private var closed = false
    /// A write hit EAGAIN: the next writable edge resumes the flush.
    private var writeBlocked = false
    /// TLS needs the socket writable (handshake or a read that must write first).
    private var tlsWantsWritable = false
    /// Why reading is paused; it resumes once no reason is left.
    private struct ReadPause: OptionSet {
        let rawValue: UInt8
        /// The handler asked (`pauseReading`), e.g. while a token check runs off the loop.
        static let byHandler = ReadPause(rawValue: 1)
        /// Output is above the high watermark: the peer is not taking what we send.
        static let byOutput = ReadPause(rawValue: 2)
    }
    private var readPause: ReadPause = []
    private var readPaused: Bool { !readPause.isEmpty }
    /// Input arrived (an edge fired) while reads were paused: read when resumed.
    private var readMissed = false
    /// The peer's FIN was read: nothing more to read, and lingering has nothing to wait for.
    private var inputEnded = false
    private var tlsHandshaking = false
    var isDirty = false
    /// Outbound only: the non-blocking connect has not finished yet (OutboundConnect.swift).
    var connecting = false
    /// Request/response traffic (HTTP) is flushed before fan-out traffic in a loop turn.
    /// Set by the handler; loop thread only.
    public var flushesFirst = false

    convenience init(fd: Int32, id: UInt64, loop: EventLoop, group: LoopGroup, peer: SocketAddress?, listener: ListenerInfo,
                     tls: TLSSession?, policy: ConnectionPolicy, addressReservation: AddressQuota.Reservation = .untracked,
                     onEvent: (@Sendable (TransportEvent) -> Void)?) {
        self.init(fd: fd, id: id, loop: loop, group: group, peer: peer, tls: tls, addressReservation: addressReservation,
                  traits: ConnectionTraits(listener: listener, policy: policy, onEvent: onEvent))
    }

    init(fd: Int32, id: UInt64, loop: EventLoop, group: LoopGroup, peer: SocketAddress?, tls: TLSSession?,
         addressReservation: AddressQuota.Reservation = .untracked, traits: ConnectionTraits) {
        self.fd = fd
        self.id = id
        self.loop = loop
        self.group = group
        self.peer = peer
        self.tls = tls
        self.tlsHandshaking = tls != nil
        self.traits = traits
        self.addressReservation = addressReservation
        self.deadline = loop.now() + traits.policy.handshake
    }

    /// Starts watching the socket. Loop thread only.
    func start() {
        loop.preconditionOnLoop()
        loop.register(self)
        watchToken = Int32(loop.watch(fd, .connection(self)))
        if watchToken < 0 { close() }
    }

    func loopReadable(hangUp: Bool) {
        if connecting { finishConnect() }
        handleReadable(shortReadDrains: !hangUp)
    }

    func loopWritable() {
        if connecting { finishConnect() }
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
        loop.assertOnLoop() // per delivery: debug only; the fan-out checks once per walk in release
        guard state == .open else { return false }
        if outbound.queuedBytes + frame.count > traits.policy.sendBufferLimit && outbound.queuedBytes > 0 { return false }
        outbound.append(frame)
        if outbound.queuedBytes > traits.policy.highWatermark { readPause.insert(.byOutput) }
        loop.markDirty(self)
        return true
    }

    /// Queues an answer to input (a response, a pong, a close frame): it must go out, so the
    /// slow-consumer limit does not apply. It stays bounded all the same: past the high
    /// watermark no more input is read, so no more answers are asked for until the peer reads.
    public func sendReply(_ frame: SharedBytes) {
        loop.preconditionOnLoop()
        guard state == .open || state == .draining else { return }
        outbound.append(frame)
        if outbound.queuedBytes > policy.highWatermark { readPause.insert(.byOutput) }
        loop.markDirty(self)
    }

    /// True while output is above the high watermark: a handler with buffered input (pipelined
    /// requests) should not answer more until `connectionOutputDrained` is called.
    public var isOutputCongested: Bool { readPause.contains(.byOutput) }

    private func outputDrained() {
        guard readPause.contains(.byOutput), outbound.queuedBytes <= policy.lowWatermark, state == .open else { return }
        readPause.remove(.byOutput)
        readingMayResume()
        handler?.connectionOutputDrained(self)
    }

    /// Writes what is queued: one `sendmsg` of every queued frame, until the kernel pushes back.
    func flush() {
        loop.preconditionOnLoop()
        isDirty = false
        // Blocked: the writable edge resumes the flush; trying now would only meet EAGAIN again.
        guard state == .open || state == .draining, !tlsHandshaking, !writeBlocked else { return }
        while !outbound.isEmpty {
            let result = tls == nil ? writePlain() : writeTLS()
            switch result {
            case .progress: continue
            case .blocked:
                writeBlocked = true
                outputDrained()
                return
            case .waitForRead:
                outputDrained()
                return
            case .failed:
                close()
                return
            }
        }
        if state == .draining { beginLinger() } else { outputDrained() }
    }

    private enum WriteOutcome { case progress, blocked, waitForRead, failed }

    private func writePlain() -> WriteOutcome {
        let count = outbound.fill(loop.iovecs, max: EventLoop.maxIOVecs)
        // One buffer (the usual delivery: one event, or one joined block) goes by `send`,
        // which spares the kernel copying and checking a message header and an iovec array.
        let result = count == 1
            ? Socket.write(fd, UnsafeRawBufferPointer(start: loop.iovecs[0].iov_base, count: loop.iovecs[0].iov_len))
            : Socket.writev(fd, loop.iovecs, count: count)
        switch result {
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
        loop.preconditionOnLoop()
        guard state != .closed else { return }
        readPause.insert(.byHandler)
    }

    public func resumeReading() {
        loop.preconditionOnLoop()
        guard readPause.contains(.byHandler), state != .closed else { return }
        readPause.remove(.byHandler)
        readingMayResume()
    }

    /// A pause reason was lifted: if none is left, read what arrived meanwhile.
    private func readingMayResume() {
        guard !readPaused else { return }
        // An edge that fired while paused will not fire again; TLS may hold decrypted bytes.
        if readMissed || tls?.hasBufferedPlaintext == true {
            readMissed = false
            loop.execute { self.handleReadable() }
        }
    }

    /// Reads what is pending. `shortReadDrains`: called for a fresh epoll edge that carried no
    /// hang-up, so a plain read shorter than the buffer emptied the socket and the read that
    /// would only meet EAGAIN is skipped (one system call less per request or message).
    private func handleReadable(shortReadDrains: Bool = false) {
        guard state != .closed, !inputEnded else { return }
        if readPaused {
            readMissed = true
            return
        }
        if tlsHandshaking {
            driveTLSHandshake()
            if tlsHandshaking || state == .closed { return }
        }
        var reads = 0
        var drained = false
        while state != .closed && !readPaused && reads < 8 && !drained {
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
                case .bytes(let count):
                    n = count
                    drained = shortReadDrains && count < loop.readBuffer.count
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
        guard state != .closed, !drained else { return }
        if readPaused {
            readMissed = true
        } else if reads == 8 {
            loop.execute { self.handleReadable() }
        }
    }

    func driveTLSHandshake() {
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

    /// End of input. A half-close is not the end of the connection: the handler may still owe
    /// answers (HTTP), and a draining connection still has its last output to write.
    private func peerClosed() {
        guard state == .open || state == .draining else { return close() }
        inputEnded = true
        if state == .open && handler?.connectionInputEnded(self) != true { close() }
    }

    // MARK: Closing

    /// Sends what is queued, then closes: write side first, then read until the peer's FIN
    /// (bounded), so unread input never turns our last bytes into a reset.
    public func closeAfterFlush() {
        loop.preconditionOnLoop()
        guard state == .open else { return }
        setPhase(.draining)
        unsentAtDrainMark = unsentBytes
        if outbound.isEmpty && !isDirty { beginLinger() } else { loop.markDirty(self) }
    }

    private func beginLinger() {
        guard state == .draining else { return }
        setPhase(.lingering)
        tls?.shutdown()
        Socket.shutdownWrite(fd)
        // The peer's FIN came already and every byte it sent was read: closing now sends no reset.
        if inputEnded { return close() }
        if readPaused {
            readPause = []
            // Drain what arrived while paused, so the peer's FIN is seen.
            loop.execute { self.handleReadable() }
        }
    }

    /// Closes now; queued output is dropped. Idempotent.
    public func close() { close(reset: false) }

    /// Closes now with a reset if the peer has not taken everything sent to it: a peer that
    /// let a deadline pass with output pending is not reading, and a FIN would only queue
    /// behind what the kernel still holds for it (`Socket.abort`).
    func closeGivingUp() {
        close(reset: !outbound.isEmpty || Socket.unsentBytes(fd) > 0)
    }

    private func close(reset: Bool) {
        loop.preconditionOnLoop()
        guard !closed else { return }
        closed = true
        loop.unregister(self)
        loop.unwatch(Int(watchToken))
        watchToken = -1
        outbound.removeAll()
        tls = nil
        if reset { Socket.abort(fd) } else { Socket.close(fd) }
        group.releaseConnection()
        group.addressQuota.release(addressReservation)
        let handler = self.handler
        self.handler = nil
        handler?.connectionDidClose(self)
    }
}
