import Foundation
import Glibc
import PushClient
import PushCodec
import PushTransport
import Testing
@testable import PushServer
import TestSupport

/// Issue 15: a subscriber that stops reading costs the server its send budget
/// (`limits.sendBufferBytes`) plus `limits.socketUnsentBytes` in the kernel — not the megabytes
/// the kernel would otherwise take for it (on loopback it grows a send buffer to ~4 MiB) — and
/// once given up it is reset, so the kernel's share is freed and the peer learns of the close.
@Suite(.serialized) struct StalledSubscriberTests {
    static func server() throws -> TestServer {
        try TestServer {
            $0.limits.sendBufferBytes = 64 * 1024
            $0.limits.outputHighWatermarkBytes = 32 * 1024
            $0.limits.outputLowWatermarkBytes = 8 * 1024
            $0.limits.socketUnsentBytes = 16 * 1024
            $0.limits.closeTimeoutSeconds = 0.5
        }
    }

    /// Upgrades, subscribes to `WhatsApp` and never reads again.
    static func stalledSubscriber(_ server: TestServer) throws -> StalledPeer {
        let token = try server.createToken(user: "admin")
        let peer = try StalledPeer(server.plain)
        #expect(peer.upgrade(token: token, user: "admin").contains("101 Switching Protocols"))
        peer.send(Array(#"[5,"WhatsApp"]"#.utf8).withUnsafeBytes { FrameEncoder.clientFrame(.text, payload: $0, maskKey: 0x0A0B_0C0D) })
        return peer
    }

    /// Publishes 8 kB events to `WhatsApp` until the server closes a slow consumer (or `limit`
    /// bytes went out); returns the bytes published.
    static func publishUntilSlowConsumer(_ server: TestServer, limit: Int) throws -> Int {
        let http = try HTTPClient(baseURL: server.httpURL)
        let padding = String(repeating: "x", count: 8000)
        // The subscription is in once a publish reaches one session.
        #expect(eventually(5) {
            let answer = try? http.request("POST", "/internal/publish", body: Array(#"{"topicId":"WhatsApp","probe":1}"#.utf8))
            return answer.map { String(decoding: $0.body, as: UTF8.self).contains(#""delivered":1"#) } ?? false
        })
        var published = 0
        while server.server.counters.slowConsumersClosed == 0 && published < limit {
            let body = Array(#"{"topicId":"WhatsApp","n":\#(published),"pad":"\#(padding)"}"#.utf8)
            #expect(try http.request("POST", "/internal/publish", body: body).status == 200)
            published += body.count
        }
        return published
    }

    @Test func nonReadingSubscriber_isSlowAfterItsBudget_notAfterTheKernelsBuffers() throws {
        let server = try Self.server()
        defer { server.stop() }
        let peer = try Self.stalledSubscriber(server)
        let published = try Self.publishUntilSlowConsumer(server, limit: 16 << 20)
        #expect(server.server.counters.slowConsumersClosed == 1)
        // 64 KiB queued + 16 KiB unsent in the kernel (plus at most one 64 KiB segment past it)
        // + the peer's small window. Without the unsent limit the kernel took megabytes first.
        #expect(published < 1 << 20, "\(published) bytes were published before the subscriber counted as slow")
        _ = peer
    }

    @Test func givenUpSubscriber_isReset_soItsPeerSeesTheClose() throws {
        let server = try Self.server()
        defer { server.stop() }
        let peer = try Self.stalledSubscriber(server)
        _ = try Self.publishUntilSlowConsumer(server, limit: 16 << 20)
        #expect(server.server.counters.slowConsumersClosed == 1)
        // The close frame cannot reach a peer that reads nothing; after the close deadline the
        // server resets the connection. A FIN would wait behind the unsent bytes forever.
        #expect(eventually(10) {
            var p = pollfd(fd: peer.fd, events: Int16(POLLIN), revents: 0)
            return poll(&p, 1, 0) == 1 && p.revents & Int16(POLLERR | POLLHUP) != 0
        })
        #expect(eventually(5) { server.openConnections == 0 })
    }
}
