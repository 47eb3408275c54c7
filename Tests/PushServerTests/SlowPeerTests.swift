import Foundation
import Glibc
import PushCodec
import PushTransport
import Synchronization
import Testing
@testable import PushServer
import TestSupport

/// A raw TCP peer that writes but does not read (a tiny receive window), for the attacks of
/// issue 10: pipelining without reading, flooding pings, sitting on a full window.
final class StalledPeer: @unchecked Sendable { // one thread writes while another reads: the fd is shared, nothing else
    let fd: Int32

    /// `receiveBuffer` nil keeps the kernel's default (a shrunk window reopens slowly on Linux).
    init(_ address: SocketAddress, receiveBuffer: Int32? = 4096) throws {
        fd = try Socket.connect(to: address, nonBlocking: false)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Socket.close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends a WAMP upgrade for `user` and reads up to the WELCOME; returns what was read.
    func upgrade(token: String, user: String) -> String {
        send(Array(("GET /wss?authToken=\(token)&userId=\(user) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: wamp\r\n\r\n").utf8))
        return read(until: "wamp-push/")
    }

    /// Sends `pattern` over and over without blocking, for at most `seconds`, stopping once the
    /// server has taken nothing for 0.5 s; returns the bytes it took.
    func flood(_ pattern: [UInt8], upTo limit: Int, seconds: Double = 20) -> Int {
        var sent = 0
        let end = MonotonicClock.now() + MonotonicClock.seconds(seconds)
        var lastProgress = MonotonicClock.now()
        while sent < limit && MonotonicClock.now() < end {
            let offset = sent % pattern.count
            let n = pattern[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if n > 0 {
                sent += n
                lastProgress = MonotonicClock.now()
            } else if errno != EAGAIN && errno != EWOULDBLOCK {
                break
            } else if MonotonicClock.now() - lastProgress > MonotonicClock.seconds(0.5) {
                break
            } else {
                usleep(5_000)
            }
        }
        return sent
    }

    /// Reads until `marker` has been seen (or 5 s pass); returns what was read.
    func read(until marker: String) -> String {
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !text.contains(marker) {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            text += String(decoding: buffer[0..<n], as: UTF8.self)
        }
        return text
    }

    /// Reads everything until the server closes; returns the bytes.
    func readAll() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return out }
            out.append(contentsOf: buffer[0..<n])
        }
    }
}

extension TestServer {
    /// The most output queued on any one connection right now.
    var largestQueuedOutput: Int {
        let largest = Mutex<Int>(0)
        server.group.forEachLoopSync { loop in
            let here = loop.allConnections.map(\.queuedBytes).max() ?? 0
            largest.withLock { $0 = max($0, here) }
        }
        return largest.withLock { $0 }
    }

    var openConnections: Int { server.group.connectionCount }

}

/// Issue 10, rows H1 and H2: peers that send and never read cost bounded memory for bounded time.
@Suite(.serialized) struct SlowPeerTests {
    static let healthz = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)

    /// H1: before, the server read everything and queued every answer (764 MB after 105 MB sent).
    @Test func pipeliningWithoutReading_stopsBeingRead_atTheHighWatermark() throws {
        let server = try TestServer { $0.limits.handshakeTimeoutSeconds = 1 }
        defer { server.stop() }
        let peer = try StalledPeer(server.plain)
        let sent = peer.flood(Self.healthz, upTo: 64 << 20)
        #expect(sent < 16 << 20, "the server went on reading a peer that reads nothing (\(sent) bytes taken)")
        #expect(server.largestQueuedOutput <= 1 << 20)
    }

    /// H2: the stalled pipeliner is gone by its deadline (here the 1 s arrival deadline of the
    /// requests it left unanswered), instead of holding its buffers forever.
    @Test func pipeliningWithoutReading_isClosedByItsDeadline() throws {
        let server = try TestServer { $0.limits.handshakeTimeoutSeconds = 1 }
        defer { server.stop() }
        let peer = try StalledPeer(server.plain)
        _ = peer.flood(Self.healthz, upTo: 64 << 20, seconds: 5)
        #expect(eventually(10) { server.openConnections == 0 })
        _ = peer
    }

    /// Backpressure loses nothing: a client that pipelines thousands of requests before reading
    /// any answer gets every one of them, in order, once it reads.
    @Test func pipelinedRequests_areAllAnswered_whenTheClientReadsLate() throws {
        let server = try TestServer()
        defer { server.stop() }
        // Enough answers (about 20 MB) to fill the kernel's buffers both ways and pause the server.
        let count = 100_000
        let peer = try StalledPeer(server.plain, receiveBuffer: nil)
        var batch: [UInt8] = []
        for i in 0..<count { batch += Array("GET /n\(i) HTTP/1.1\r\nHost: x\r\n\(i == count - 1 ? "Connection: close\r\n" : "")\r\n".utf8) }
        let requests = batch
        let writer = Thread { peer.send(requests) }
        writer.start()
        // The server holds answers back once 64 KiB of them are untaken (issue 15), long before
        // its output watermark; what matters here is that nothing is lost meanwhile.
        let text = String(decoding: peer.readAll(), as: UTF8.self)
        #expect(text.components(separatedBy: "HTTP/1.1 404").count - 1 == count)
        #expect(text.contains("GET /n0.") && text.contains("GET /n\(count - 1)."))
    }

    /// H2 for WebSocket: a peer that floods pings and reads no pongs stops being read at the
    /// watermark, and the ping deadline then closes it.
    @Test func pingFloodWithoutReading_isBounded_andClosedByThePingDeadline() throws {
        let server = try TestServer {
            $0.limits.pingIntervalSeconds = 0.5
            $0.limits.closeTimeoutSeconds = 0.5
            $0.limits.drainTimeoutSeconds = 0.5
        }
        defer { server.stop() }
        let token = try server.createToken(user: "u1")
        let peer = try StalledPeer(server.plain)
        #expect(peer.upgrade(token: token, user: "u1").contains("101 Switching Protocols"))
        let payload = [UInt8](repeating: 0x61, count: 125)
        var pings: [UInt8] = []
        for _ in 0..<64 { pings += payload.withUnsafeBytes { FrameEncoder.clientFrame(.ping, payload: $0, maskKey: 0x0102_0304) } }
        let sent = peer.flood(pings, upTo: 64 << 20, seconds: 5)
        #expect(sent < 16 << 20, "the server went on answering pings nobody reads (\(sent) bytes taken)")
        #expect(server.largestQueuedOutput <= 1 << 20)
        #expect(eventually(10) { server.openConnections == 0 })
    }
}

/// Issue 10, row M4: a session may hold at most `limits.maxSubscriptionsPerSession` topics.
@Suite struct SubscriptionCapTests {
    @Test func subscriptionPastTheCap_closesTheSession1008_andDuplicatesDoNotCount() throws {
        let server = try TestServer { $0.limits.maxSubscriptionsPerSession = 3 }
        defer { server.stop() }
        let token = try server.createToken(user: "u1")
        let client = try server.wamp(user: "u1", token: token)
        for topic in ["WhatsApp", "WhatsApp.1@c.us", "newNotification", "WhatsApp"] { try client.subscribe(topic) }
        try client.roundTrip() // still open at the cap, the repeated subscribe was a no-op
        #expect(eventually { server.server.subscriptionCount == 3 })
        try client.subscribe("recordUpdate.Lead.1")
        let closed = try client.closeFrame()
        #expect(closed.code == 1008)
        #expect(closed.reason.contains("too many subscriptions (limit 3)"))
        #expect(server.server.counters.subscriptionsRefused == 1)
        #expect(eventually { server.server.subscriptionCount == 0 })
    }
}
