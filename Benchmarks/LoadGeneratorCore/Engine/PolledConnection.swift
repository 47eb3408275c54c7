import Glibc
import PushTransport

/// A non-blocking client socket on one worker: connect, optional TLS handshake, queued writes.
/// Subclasses add what happens once the link is up and how input is read.
class PolledConnection {
    enum LinkPhase { case connecting, tlsHandshake, ready, closed }

    let fd: Int32
    var channel: ByteChannel
    unowned(unsafe) let worker: Worker
    private(set) var phase: LinkPhase = .connecting
    private let tlsContext: TLSContext?
    private var outbox: [UInt8] = []
    private var outboxStart = 0
    private var interest: UInt32 = 0

    init(fd: Int32, worker: Worker, tls: TLSContext?) {
        self.fd = fd
        self.channel = ByteChannel(fd: fd, tls: nil)
        self.worker = worker
        self.tlsContext = tls
    }

    /// Registers with the worker's epoll, waiting for the connect to finish.
    func register() -> Bool {
        interest = EpollLoop.writable | EpollLoop.readable
        guard worker.loop.add(fd, interest) else { return false }
        worker.attach(self)
        return true
    }

    // MARK: - Subclass hooks

    /// The link is up (after TLS, if any): send the first bytes.
    func linkReady() {}
    /// Input is waiting (level-triggered): read some.
    func readable() {}
    /// Called once when the connection is closed, with the reason (nil for a deliberate close).
    func didClose(reason: String?) {}
    /// What epoll watches once the link is up and nothing is queued: input, by default; a peer
    /// that never reads watches only for the server's close (`EpollLoop.hangup`).
    var readInterest: UInt32 { EpollLoop.readable }

    // MARK: - Events

    @inline(__always)
    final func handle(_ events: UInt32) {
        switch phase {
        case .ready:
            if events & EpollLoop.writable != 0 { flush() }
            if events & (EpollLoop.readable | EpollLoop.hangup) != 0, phase == .ready { readable() }
        case .connecting:
            finishConnect(events)
        case .tlsHandshake:
            stepHandshake()
        case .closed:
            break
        }
    }

    private func finishConnect(_ events: UInt32) {
        let code = ClientSocket.connectError(fd)
        if code != 0 { return close(reason: "connect: \(ClientSocket.describe(code))") }
        guard events & (EpollLoop.writable | EpollLoop.hangup) != 0 else { return }
        if events & EpollLoop.hangup != 0 && events & EpollLoop.writable == 0 { return close(reason: "connect: hang-up") }
        if let tlsContext {
            guard let session = tlsContext.makeClientSession(fd: fd, serverName: nil) else { return close(reason: "TLS session could not be created") }
            channel.tls = session
            phase = .tlsHandshake
            stepHandshake()
        } else {
            becomeReady()
        }
    }

    private func stepHandshake() {
        guard let tls = channel.tls else { return }
        switch tls.handshake() {
        case .complete: becomeReady()
        case .wantRead: setInterest(EpollLoop.readable)
        case .wantWrite: setInterest(EpollLoop.readable | EpollLoop.writable)
        case .failed(let line): close(reason: line)
        }
    }

    private func becomeReady() {
        phase = .ready
        setInterest(readInterest)
        linkReady()
        if pendingOutput > 0 { flush() }
    }

    // MARK: - Output

    /// Writes now what the socket takes; keeps the rest and waits for writability.
    final func send(_ bytes: [UInt8]) {
        guard phase != .closed else { return }
        if outboxStart < outbox.count || phase != .ready {
            outbox.append(contentsOf: bytes)
            return
        }
        let written = bytes.withUnsafeBytes { write($0) }
        guard let written else { return }
        if written < bytes.count {
            outbox.append(contentsOf: bytes[written...])
            outboxStart = 0
            setInterest(readInterest | EpollLoop.writable)
        }
    }

    private func flush() {
        guard outboxStart < outbox.count else {
            setInterest(readInterest)
            return
        }
        let written = outbox.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[outboxStart...])) }
        guard let written else { return }
        outboxStart += written
        if outboxStart == outbox.count {
            outbox.removeAll(keepingCapacity: false)
            outboxStart = 0
            setInterest(readInterest)
        }
    }

    /// Bytes taken, or nil when the connection was closed on an error.
    private func write(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var total = 0
        while total < bytes.count {
            switch channel.write(UnsafeRawBufferPointer(rebasing: bytes[total...])) {
            case .wrote(let n): total += n
            case .wait: return total
            case .failed(let line): close(reason: line); return nil
            }
        }
        return total
    }

    /// Bytes still queued for the socket.
    final var pendingOutput: Int { outbox.count - outboxStart }

    final func setInterest(_ mask: UInt32) {
        guard mask != interest, phase != .closed else { return }
        interest = mask
        _ = worker.loop.modify(fd, mask)
    }

    // MARK: - Closing

    /// Closes abortively (RST) and tells the subclass why; `reason` nil means on purpose.
    final func close(reason: String?) {
        guard phase != .closed else { return }
        phase = .closed
        channel.tls = nil // frees the SSL before the descriptor number can be reused
        worker.detach(self)
        ClientSocket.abort(fd)
        didClose(reason: reason)
    }
}
