import Foundation
import PushClient
import PushCodec
import PushTransport
import Testing
@testable import PushServer

/// HTTP/1.1 behaviour over real sockets: routing, keep-alive, pipelining, limits, upgrade refusals.
@Suite struct HTTPIntegrationTests {
    /// Sends raw bytes and reads until the server closes (or 3 s pass).
    static func raw(_ address: SocketAddress, _ bytes: [UInt8]) throws -> String {
        let fd = try Socket.connect(to: address, nonBlocking: false)
        defer { Socket.close(fd) }
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: [false, true])
    func healthz_answersOK(tls: Bool) throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try HTTPClient(baseURL: tls ? server.httpsURL : server.httpURL, tls: tls ? server.clientTLS() : nil)
        let response = try client.request("GET", "/healthz")
        #expect(response.status == 200)
        #expect(response.bodyString() == #"{"status":"ok"}"#)
        // Same connection, again (keep-alive), and an unknown path gets the JSON 404.
        let missing = try client.request("GET", "/nope")
        #expect(missing.status == 404)
        #expect(missing.bodyString().contains(#""error":"not_found""#))
    }

    @Test func pipelinedRequests_areAnsweredInOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try HTTPClient(baseURL: server.httpURL)
        let responses = try client.pipeline([
            ("GET", "/healthz", [], nil),
            ("GET", "/nope", [], nil),
            ("POST", "/internal/publish", [], Array(#"{"topicId":"WhatsApp"}"#.utf8)),
        ])
        #expect(responses.map(\.status) == [200, 404, 200])
    }

    /// RFC 9112 §3.2.2: a publisher (or proxy) sending the absolute form reaches the route.
    @Test func absoluteFormTarget_reachesTheRouteByItsPath() throws {
        let server = try TestServer()
        defer { server.stop() }
        let body = #"{"topicId":"WhatsApp"}"#
        let text = try Self.raw(server.plain, Array(("POST http://push.example/internal/publish HTTP/1.1\r\nHost: x\r\n"
            + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body).utf8))
        #expect(text.hasPrefix("HTTP/1.1 200 "), "\(text.prefix(200))")
    }

    @Test func bodyOverMaxRequestBytes_gets413_andClose() throws {
        let server = try TestServer { $0.limits.maxRequestBytes = 1000 }
        defer { server.stop() }
        let text = try Self.raw(server.plain, Array("POST /internal/publish HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n".utf8))
        #expect(text.hasPrefix("HTTP/1.1 413 "))
        #expect(text.contains(#""error":"payload_too_large""#))
    }

    @Test func headerBlockOver16KiB_gets431() throws {
        let server = try TestServer()
        defer { server.stop() }
        let big = String(repeating: "a", count: 17 * 1024)
        let text = try Self.raw(server.plain, Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n".utf8))
        #expect(text.hasPrefix("HTTP/1.1 431 "))
    }

    @Test func malformedRequest_gets400_andClose() throws {
        let server = try TestServer()
        defer { server.stop() }
        let text = try Self.raw(server.plain, Array("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n".utf8))
        #expect(text.hasPrefix("HTTP/1.1 400 "))
        #expect(text.contains(#""error":"bad_request""#))
    }

    @Test func upgradeWithoutKey_gets400() throws {
        let server = try TestServer()
        defer { server.stop() }
        let text = try Self.raw(server.plain, Array(
            "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8))
        #expect(text.hasPrefix("HTTP/1.1 400 "))
    }

    @Test func upgradeWithWrongVersion_gets426_withVersionHeader() throws {
        let server = try TestServer()
        defer { server.stop() }
        let text = try Self.raw(server.plain, Array(
            "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n".utf8))
        #expect(text.hasPrefix("HTTP/1.1 426 "))
        #expect(text.contains("Sec-WebSocket-Version: 13"))
    }

    @Test func upgradeResponse_hasRFCAcceptValue() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fd = try Socket.connect(to: server.plain, nonBlocking: false)
        defer { Socket.close(fd) }
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let text = String(decoding: buffer[0..<max(n, 0)], as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"))
    }

    @Test func disabledEcho_is404() throws {
        let server = try TestServer { $0.diagnostics.echo = false }
        defer { server.stop() }
        let (client, response) = try WebSocketClient.connect(url: server.wsURL("/echo"), protocols: [], timeout: 5)
        #expect(client == nil)
        #expect(response.status == 404)
    }
}
