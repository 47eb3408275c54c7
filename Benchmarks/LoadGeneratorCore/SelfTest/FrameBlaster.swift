import CSystem
import Foundation
import Glibc
import PushCodec
import Synchronization

/// A stand-in server that only streams: it answers each upgrade with 101 and WELCOME, sends a
/// probe once the SUBSCRIBE arrives, and on `go` writes the same pre-encoded run of EVENT
/// frames (seq 0..<events) to every connection in `chunkBytes` writes. It exists to measure the
/// load generator's own read rate, with no real server in the way.
public final class FrameBlaster: Sendable {
    public let port: UInt16
    let go = Atomic<Bool>(false)
    let stop = Atomic<Bool>(false)
    private let listenFD: Int32

    /// Binds 127.0.0.1 on an ephemeral port and starts the blaster thread.
    public init(events: Int, payloadBytes: Int, topic: String, chunkBytes: Int) throws(BenchError) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchError("blaster socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in bind(fd, p, length) == 0 && listen(fd, 4096) == 0 && getsockname(fd, p, &length) == 0 }
        }
        guard bound else { close(fd); throw BenchError("blaster bind/listen: errno \(errno)") }
        listenFD = fd
        port = UInt16(bigEndian: address.sin_port)
        let stream = Self.eventStream(events: events, payloadBytes: payloadBytes, topic: topic)
        let probe = FrameEncoder.serverFrame(text: "[8,\(PublishRequest.quoted(topic)),{\"topicId\":\(PublishRequest.quoted(topic)),\"probe\":1}]")
        let preamble = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: wamp\r\n\r\n".utf8)
            + FrameEncoder.serverFrame(text: "[0,\"blaster\",1,\"frame-blaster\"]").array
        let probeBytes = probe.array
        let thread = BlasterThread(listenFD: fd, owner: self, preamble: preamble, probe: probeBytes, stream: stream, chunk: max(1, chunkBytes))
        let t = Thread { thread.run() }
        t.name = "frame-blaster"
        t.start()
    }

    /// Starts streaming events to every subscribed connection.
    public func start() { go.store(true, ordering: .relaxed) }

    /// Ends the thread (it closes every connection).
    public func shutdown() { stop.store(true, ordering: .relaxed) }

    /// EVENT frames for seq 0..<events, back to back.
    static func eventStream(events: Int, payloadBytes: Int, topic: String) -> [UInt8] {
        var out: [UInt8] = []
        let ts = MonotonicClock.nanoseconds()
        for seq in 0..<events {
            let body = PublishRequest.eventBody(topic: topic, payloadBytes: payloadBytes, seq: Int64(seq), ts: ts)
            let text = Array("[8,\(PublishRequest.quoted(topic)),".utf8) + body + [UInt8(ascii: "]")]
            text.withUnsafeBytes { out.append(contentsOf: FrameEncoder.serverFrame(.text, payload: $0).array) }
        }
        return out
    }
}

/// The blaster's epoll loop; lives on its own thread.
private final class BlasterThread: @unchecked Sendable {
    private struct Peer {
        var input: [UInt8] = []
        var upgraded = false
        var subscribed = false
        var pending: [UInt8] = []   // preamble/probe not yet written
        var offset = 0               // into the shared stream
    }

    private let listenFD: Int32
    private let owner: FrameBlaster // strong: the thread outlives no one but itself
    private let preamble: [UInt8]
    private let probe: [UInt8]
    private let stream: [UInt8]
    private let chunk: Int

    init(listenFD: Int32, owner: FrameBlaster, preamble: [UInt8], probe: [UInt8], stream: [UInt8], chunk: Int) {
        self.listenFD = listenFD
        self.owner = owner
        self.preamble = preamble
        self.probe = probe
        self.stream = stream
        self.chunk = chunk
    }

    func run() {
        guard let loop = try? EpollLoop() else { return }
        _ = loop.add(listenFD, EpollLoop.readable)
        var peers: [Int32: Peer] = [:]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var streaming = false
        while !owner.stop.load(ordering: .relaxed) {
            if !streaming && owner.go.load(ordering: .relaxed) {
                streaming = true
                for fd in peers.keys { _ = loop.modify(fd, EpollLoop.readable | EpollLoop.writable) }
            }
            loop.wait(timeoutMilliseconds: 2) { fd, events in
                if fd == listenFD {
                    while true {
                        let c = accept4(listenFD, nil, nil, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                        if c < 0 { break }
                        peers[c] = Peer()
                        _ = loop.add(c, EpollLoop.readable)
                    }
                    return
                }
                guard var peer = peers[fd] else { return }
                if events & (EpollLoop.readable | EpollLoop.hangup) != 0 {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n == 0 || (n < 0 && errno != EAGAIN) {
                        peers[fd] = nil
                        close(fd)
                        return
                    }
                    if n > 0 {
                        if !peer.upgraded {
                            peer.input += buffer[0..<n]
                            if let end = peer.input.withUnsafeBytes({ HTTPHeadScanner.headEnd($0) }) {
                                peer.upgraded = true
                                peer.pending += preamble
                                // Anything behind the head is the SUBSCRIBE frame.
                                if peer.input.count > end { peer.subscribed = true; peer.pending += probe }
                                peer.input = []
                            }
                        } else if !peer.subscribed {
                            peer.subscribed = true
                            peer.pending += probe
                        }
                    }
                }
                if !peer.pending.isEmpty {
                    let n = peer.pending.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n > 0 { peer.pending.removeFirst(n) }
                }
                if streaming && peer.subscribed && peer.pending.isEmpty && peer.offset < stream.count {
                    let count = min(chunk, stream.count - peer.offset)
                    let n = stream.withUnsafeBytes { send(fd, $0.baseAddress! + peer.offset, count, Int32(MSG_NOSIGNAL)) }
                    if n > 0 { peer.offset += n }
                    if peer.offset == stream.count { _ = loop.modify(fd, EpollLoop.readable) }
                }
                peers[fd] = peer
            }
        }
        for fd in peers.keys { close(fd) }
        close(listenFD)
    }
}
