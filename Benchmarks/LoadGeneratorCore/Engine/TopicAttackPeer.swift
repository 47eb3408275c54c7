import PushCodec

/// The topic-lookup attacker (Docs/security.md, "did you mean"): a WebSocket session that declares a CURIE prefix for a
/// long, mistyped topic, then sends subscribes to distinct undeclared topics and
/// `urn:wamp-push:topic` CALLs on them as fast as the server takes them. It reads and discards
/// every answer; the driver opens a new one when the server closes it (as a real attacker would).
final class TopicAttackPeer: PolledConnection {
    /// The upgrade, then `PREFIX p <long topic>`.
    private let opening: [UInt8]
    private var counter = 0
    /// Frames sent (subscribes and CALLs), for the report.
    private(set) var framesSent = 0
    private(set) var isClosed = false

    init(fd: Int32, worker: Worker, opening: [UInt8]) {
        self.opening = opening
        super.init(fd: fd, worker: worker, tls: nil)
    }

    /// `PREFIX p "Whatsapp" + é × n`: a near miss of `WhatsApp`, so every lookup tries a suggestion.
    static func opening(upgrade: [UInt8], prefixBytes: Int) -> [UInt8] {
        let topic = "Whatsapp" + String(repeating: "é", count: max(1, prefixBytes / 2))
        return upgrade + frame(WAMPCodec.prefix("p", uri: topic))
    }

    override func linkReady() {
        send(opening)
        refill()
    }

    /// Sends another batch once the last one is all in the kernel; false once closed.
    func topUp() -> Bool {
        guard phase != .closed else { return false }
        if phase == .ready && pendingOutput == 0 { refill() }
        return true
    }

    private func refill() {
        var batch: [UInt8] = []
        for _ in 0..<8 {
            counter += 1
            let topic = "p:.\(counter)"
            batch += Self.frame(counter % 2 == 0
                ? WAMPCodec.subscribe(topic)
                : WAMPCodec.call(callId: "c\(counter)", procURI: "urn:wamp-push:topic", arguments: [.string(topic)]))
            framesSent += 1
        }
        send(batch)
    }

    static func frame(_ text: [UInt8]) -> [UInt8] {
        text.withUnsafeBytes { FrameEncoder.clientFrame(.text, payload: $0, maskKey: 0x5A17_C0DE) }
    }

    override func readable() {
        let buffer = worker.buffer
        while true {
            switch channel.read(into: buffer) {
            case .bytes(let n): if n < buffer.count { return }
            case .wait: return
            case .closed: close(reason: "closed by server"); return
            case .failed(let why): close(reason: why); return
            }
        }
    }

    override func didClose(reason: String?) { isClosed = true }
}

extension Worker {
    func openTopicAttacker(_ url: BenchURL, opening: [UInt8]) throws(BenchError) -> TopicAttackPeer {
        let fd = try ClientSocket.connect(to: url.address, from: nil, receiveBuffer: nil).get()
        let peer = TopicAttackPeer(fd: fd, worker: self, opening: opening)
        guard peer.register() else {
            ClientSocket.abort(fd)
            throw BenchError("epoll_ctl failed for an attacker")
        }
        return peer
    }
}
