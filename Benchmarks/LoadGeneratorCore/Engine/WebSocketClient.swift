import PushCodec
import PushTransport

/// One browser-like WAMP connection: upgrade, WELCOME, then either SUBSCRIBE and count EVENTs
/// (subscriber role) or close at once (handshake role).
///
/// The read path is the load generator's hot loop: one read into the worker's big buffer, one
/// clock read per read call, then per frame a header decode and a scan for `seq` and `ts`.
final class WebSocketClient: PolledConnection {
    enum Stage { case awaitingHead, awaitingWelcome, subscribed }

    private(set) var stage = Stage.awaitingHead
    private var head: [UInt8] = []
    private var carry = FrameCarry()
    private(set) var tracker: StreamSequenceTracker
    private var probed = false
    /// Reached WELCOME (and sent SUBSCRIBE, for a subscriber).
    private(set) var isReady = false

    /// The opening handshake this connection sends (its credentials).
    private let upgrade: [UInt8]

    init(fd: Int32, worker: Worker, tls: TLSContext?, upgrade: [UInt8]) {
        self.upgrade = upgrade
        self.tracker = StreamSequenceTracker(streams: worker.control.sequenceStreams)
        super.init(fd: fd, worker: worker, tls: tls)
    }

    override func linkReady() {
        send(upgrade)
    }

    override func readable() {
        let buffer = worker.buffer
        guard let base = buffer.baseAddress else { return }
        while true {
            let carried = carry.drain(into: base)
            let room = UnsafeMutableRawBufferPointer(start: base + carried, count: buffer.count - carried)
            switch channel.read(into: room) {
            case .bytes(let n):
                let now = MonotonicClock.nanoseconds()
                let data = UnsafeRawBufferPointer(start: base, count: carried + n)
                guard consume(data, now: now) else { return }
                // Plain socket drained (level-triggered epoll reports the rest); TLS must read
                // until OpenSSL says so, because epoll cannot see its buffered records.
                if channel.tls == nil && n < room.count { return }
            case .wait(let wantWrite):
                if carried > 0 { carry.keep(UnsafeRawBufferPointer(start: base, count: carried)) }
                if wantWrite { setInterest(EpollLoop.readable | EpollLoop.writable) }
                return
            case .closed:
                return close(reason: "closed by server")
            case .failed(let line):
                return close(reason: line)
            }
        }
    }

    /// Handles bytes read; false when the connection was closed meanwhile.
    @inline(__always)
    private func consume(_ data: UnsafeRawBufferPointer, now: Int64) -> Bool {
        if stage != .awaitingHead { return frames(data, now: now) }
        head.append(contentsOf: data)
        let response = head.withUnsafeBytes { UpgradeRequest.parseResponse($0) }
        switch response {
        case .incomplete:
            return true
        case .switched(let bodyOffset):
            stage = .awaitingWelcome
            let rest = head
            head = []
            return rest.withUnsafeBytes { frames(UnsafeRawBufferPointer(rebasing: $0[bodyOffset...]), now: now) }
        case .refused(let status):
            close(reason: "upgrade refused with HTTP \(status)")
            return false
        case .malformed:
            close(reason: "malformed upgrade response")
            return false
        }
    }

    /// Walks the complete frames in `data`; keeps an incomplete tail for the next read.
    @inline(__always)
    private func frames(_ data: UnsafeRawBufferPointer, now: Int64) -> Bool {
        var offset = 0
        var delivered = 0
        defer { worker.delivered &+= delivered }
        while true {
            switch ServerFrameParser.next(in: data, at: offset) {
            case .frame(let f):
                let payload = UnsafeRawBufferPointer(rebasing: data[f.payloadOffset..<f.end])
                if f.opcode == 1 && stage == .subscribed {
                    let fields = EventFieldScanner.scan(payload)
                    if let seq = fields.seq {
                        tracker.record(seq)
                        delivered &+= 1
                        if let ts = fields.ts { worker.histogram.record(now &- ts) }
                    } else if fields.isProbe && !probed {
                        probed = true
                        worker.control.probed.add(1, ordering: .relaxed)
                    }
                } else if !control(f.opcode, payload) {
                    return false
                }
                offset = f.end
            case .incomplete:
                guard offset < data.count else { return true }
                if let size = ServerFrameParser.declaredFrameSize(in: data, at: offset), size > worker.buffer.count / 2 {
                    close(reason: "frame of \(size) bytes exceeds the read buffer")
                    return false
                }
                carry.keep(UnsafeRawBufferPointer(rebasing: data[offset...]))
                return true
            case .failed(let error):
                close(reason: "bad server frame: \(error)")
                return false
            }
        }
    }

    /// Everything that is not an EVENT on a subscribed connection; false when it closed.
    private func control(_ opcode: UInt8, _ payload: UnsafeRawBufferPointer) -> Bool {
        switch opcode {
        case 1 where stage == .awaitingWelcome:
            guard payload.starts(with: "[0,".utf8) else {
                close(reason: "expected WELCOME, got \(String(decoding: payload.prefix(60), as: UTF8.self))")
                return false
            }
            welcomed()
            return phase != .closed
        case 9:
            send(FrameEncoder.clientFrame(.pong, payload: payload, maskKey: 0x1234_5678))
            return true
        case 8:
            close(reason: "server sent close \(payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 1005)")
            return false
        default:
            return true // pong, or a stray frame: not what is measured
        }
    }

    private func welcomed() {
        isReady = true
        if let subscribe = worker.plan.subscribeFrame {
            send(subscribe)
            stage = .subscribed
            worker.connectionBecameReady(self)
        } else {
            // Handshake role: the upgrade is what was measured; leave at once.
            worker.connectionBecameReady(self)
            close(reason: nil)
        }
    }

    override func didClose(reason: String?) {
        worker.connectionClosed(self, reason: reason, wasReady: isReady)
    }
}
