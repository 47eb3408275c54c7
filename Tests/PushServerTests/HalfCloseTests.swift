import Foundation
import PushClient
import PushCodec
import PushStore
import PushTransport
import Testing
@testable import PushServer
import TestSupport

/// A client that sends its request and then shuts its write side (`shutdown(SHUT_WR)`, what
/// `curl --http1.0`-style tools and some proxies do) still gets every answer it is owed, then
/// the server's close. WebSocket sessions end at the peer's FIN, as before.
@Suite struct HalfCloseTests {
    /// What a half-closing client saw: the bytes, and whether the server ended with a FIN
    /// (false: the 5-second receive timeout passed first).
    struct Exchange {
        var text: String
        var closedByServer: Bool
        /// The status of every response head, in order (a body without a final CRLF runs
        /// straight into the next status line, so this searches rather than splits).
        var statuses: [Int] {
            var found: [Int] = []
            var rest = Substring(text)
            while let range = rest.range(of: "HTTP/1.1 ") {
                if let status = Int(rest[range.upperBound...].prefix(3)) { found.append(status) }
                rest = rest[range.upperBound...]
            }
            return found
        }
    }

    static func sendThenHalfClose(_ address: SocketAddress, _ request: String) throws -> Exchange {
        let fd = try Socket.connect(to: address, nonBlocking: false)
        defer { Socket.close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        #expect(sent == bytes.count)
        shutdown(fd, Int32(SHUT_WR))
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { out += buffer[0..<n]; continue }
            return Exchange(text: String(decoding: out, as: UTF8.self), closedByServer: n == 0)
        }
    }

    @Test(arguments: ["", "Connection: close\r\n"])
    func healthz_thenHalfClose_isAnswered(extraHeader: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let exchange = try Self.sendThenHalfClose(server.plain, "GET /healthz HTTP/1.1\r\nHost: x\r\n\(extraHeader)\r\n")
        #expect(exchange.statuses == [200])
        #expect(exchange.text.hasSuffix(#"{"status":"ok"}"#))
        #expect(exchange.closedByServer)
    }

    @Test func pipelinedPair_thenHalfClose_getsBothAnswersInOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let exchange = try Self.sendThenHalfClose(server.plain,
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(exchange.statuses == [200, 404])
        #expect(exchange.closedByServer)
    }

    /// The answer waits for the store's commit on another queue; the half-close must not lose it.
    @Test func webhook_thenHalfClose_getsItsAnswer_afterTheCommit() throws {
        let server = try TestServer()
        defer { server.stop() }
        let body = String(decoding: try WebhookFixture.bytes("01-incoming-text-message.json"), as: UTF8.self)
        let request = "POST \(WebhookIntegrationTests.path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        let exchange = try Self.sendThenHalfClose(server.plain, request)
        #expect(exchange.statuses == [200])
        #expect(exchange.closedByServer)
        #expect(try WebhookIntegrationTests.rows(server, chat: "491701234567@c.us").count == 1)
    }

    /// A request cut short by the half-close can never complete: the answers owed before it go
    /// out, then the connection closes (no 400 for bytes that simply stopped).
    @Test func incompleteRequestAfterAnswered_isDropped() throws {
        let server = try TestServer()
        defer { server.stop() }
        let exchange = try Self.sendThenHalfClose(server.plain, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /heal")
        #expect(exchange.statuses == [200])
        #expect(exchange.closedByServer)
    }

    /// Unchanged for WebSockets: the peer's FIN ends the session at once (output still queued,
    /// even the 101 when the FIN follows the upgrade request this closely, is dropped).
    @Test func webSocketSession_endsAtThePeersFIN() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "u")
        let exchange = try Self.sendThenHalfClose(server.plain,
            "GET /wss?authToken=\(token)&userId=u HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: wamp\r\n\r\n")
        #expect(exchange.closedByServer)
        #expect(exchange.statuses.allSatisfy { $0 == 101 })
        #expect(eventually { server.server.sessionCount == 0 })
    }
}
