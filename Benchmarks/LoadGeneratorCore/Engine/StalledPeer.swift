/// Hears when the server ends a stalled peer.
protocol StalledPeerObserver: AnyObject {
    func peerClosed(_ peer: StalledPeer, reason: String?)
}

/// A peer that sends and never reads: its receive window closes, so whatever the server queues
/// for it stays on the server. It watches only for the server's close (RST or FIN, reported by
/// epoll without reading), so it costs the load generator no CPU while it sits.
final class StalledPeer: PolledConnection {
    enum Kind: Sendable { case http, webSocket }

    let kind: Kind
    unowned(unsafe) var observer: (any StalledPeerObserver)?
    /// Sent once the link is up (the upgrade and SUBSCRIBE, pipelined; or the first requests).
    private let opening: [UInt8]
    /// Sent again each time the socket took everything (HTTP: more pipelined requests); nil: never.
    private let refill: [UInt8]?

    init(fd: Int32, worker: Worker, kind: Kind, opening: [UInt8], refill: [UInt8]?) {
        self.kind = kind
        self.opening = opening
        self.refill = refill
        super.init(fd: fd, worker: worker, tls: nil)
    }

    override var readInterest: UInt32 { EpollLoop.hangup }

    override func linkReady() { send(opening) }

    /// Queues more requests when the last ones are all in the kernel; false once closed.
    func topUp() -> Bool {
        guard phase != .closed else { return false }
        if phase == .ready, pendingOutput == 0, let refill { send(refill) }
        return true
    }

    /// Only a hang-up or an error gets here (we never ask for input).
    override func readable() { close(reason: "closed by server") }

    override func didClose(reason: String?) { observer?.peerClosed(self, reason: reason) }
}

extension Worker {
    /// Opens a stalled peer to `url` with a small receive buffer.
    func openStalledPeer(_ url: BenchURL, kind: StalledPeer.Kind, opening: [UInt8], refill: [UInt8]?, receiveBuffer: Int32,
                         observer: any StalledPeerObserver) throws(BenchError) -> StalledPeer {
        let fd = try ClientSocket.connect(to: url.address, from: nil, receiveBuffer: receiveBuffer).get()
        let peer = StalledPeer(fd: fd, worker: self, kind: kind, opening: opening, refill: refill)
        peer.observer = observer
        guard peer.register() else {
            ClientSocket.abort(fd)
            throw BenchError("epoll_ctl failed for a stalled peer")
        }
        return peer
    }
}
