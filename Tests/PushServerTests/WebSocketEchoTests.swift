import Foundation
import PushClient
import PushCodec
@testable import PushConfig
@testable import PushServer
import PushTransport
import Testing

/// RFC 6455 over real sockets, through `/echo`, on both ws and wss. The client decodes server
/// frames with its own reader, independent of the server's encoder.
@Suite struct WebSocketEchoTests {
    static func withServer(_ configure: (inout ServerConfig) -> Void = { _ in }, _ body: (TestServer) throws -> Void) throws {
        let server = try TestServer(configure)
        defer { server.stop() }
        try body(server)
    }

    static func echoClient(_ server: TestServer, tls: Bool) throws -> WebSocketClient {
        let (client, response) = try WebSocketClient.connect(url: server.wsURL("/echo", tls: tls), protocols: [],
                                                              tls: tls ? server.clientTLS() : nil, timeout: 5)
        #expect(response.status == 101)
        return try #require(client)
    }

    @Test(arguments: [false, true])
    func echo_returnsEveryPayloadSize(tls: Bool) throws {
        try Self.withServer({ $0.limits.maxFrameBytes = 2 << 20; $0.limits.maxMessageBytes = 2 << 20 }) { server in
            let client = try Self.echoClient(server, tls: tls)
            for size in [0, 125, 126, 65535, 65536, 1 << 20] {
                let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                try client.sendBinary(payload)
                #expect(try client.receive(timeout: 10) == .binary(payload), "size \(size)")
            }
            let text = "héllo 👋 مرحبا"
            try client.sendText(text)
            #expect(try client.receive() == .text(text))
        }
    }

    @Test(arguments: [false, true])
    func fragmentedMessage_withPingBetween_getsPongThenEcho(tls: Bool) throws {
        try Self.withServer { server in
            let client = try Self.echoClient(server, tls: tls)
            try client.sendFrame(opcode: 0x1, payload: Array("Hel".utf8), fin: false)
            try client.sendFrame(opcode: 0x9, payload: [1, 2, 3])
            try client.sendFrame(opcode: 0x0, payload: Array("lo".utf8), fin: true)
            #expect(try client.receive() == .pong([1, 2, 3]))
            #expect(try client.receive() == .text("Hello"))
        }
    }

    @Test(arguments: [false, true])
    func closeHandshake_echoesCodeAndClosesTCP(tls: Bool) throws {
        try Self.withServer { server in
            let client = try Self.echoClient(server, tls: tls)
            try client.sendClose(code: 1000, reason: "bye")
            let close = try #require(client.waitForClose(timeout: 5))
            #expect(close.code == 1000)
            #expect(close.tcpClosed)
        }
    }

    /// One case per Autobahn group: reserved bits (3), reserved opcodes (4), control frames (2, 5),
    /// UTF-8 (6), close codes (7), limits (9).
    @Test(arguments: [
        (name: "rsv1 set", frame: RawFrame(opcode: 0x1, payload: Array("x".utf8), rsv: 0b100), code: UInt16(1002)),
        (name: "reserved opcode 3", frame: RawFrame(opcode: 0x3, payload: []), code: 1002),
        (name: "reserved control opcode 11", frame: RawFrame(opcode: 0xB, payload: []), code: 1002),
        (name: "ping over 125 bytes", frame: RawFrame(opcode: 0x9, payload: [UInt8](repeating: 1, count: 126)), code: 1002),
        (name: "fragmented ping", frame: RawFrame(opcode: 0x9, payload: [1], fin: false), code: 1002),
        (name: "continuation without start", frame: RawFrame(opcode: 0x0, payload: [1]), code: 1002),
        (name: "invalid UTF-8", frame: RawFrame(opcode: 0x1, payload: [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xed, 0xa0, 0x80]), code: 1007),
        (name: "close code 999", frame: RawFrame(opcode: 0x8, payload: [0x03, 0xe7]), code: 1002),
        (name: "close code 1005 on the wire", frame: RawFrame(opcode: 0x8, payload: [0x03, 0xed]), code: 1002),
        (name: "close with 1-byte payload", frame: RawFrame(opcode: 0x8, payload: [0x03]), code: 1002),
        (name: "unmasked client frame", frame: RawFrame(opcode: 0x1, payload: Array("x".utf8), masked: false), code: 1002),
        (name: "frame over maxFrameBytes", frame: RawFrame(opcode: 0x2, payload: [UInt8](repeating: 0, count: 65537)), code: 1009),
    ])
    func protocolViolation_closesWithCode(_ c: (name: String, frame: RawFrame, code: UInt16)) throws {
        for tls in [false, true] {
            try Self.withServer { server in
                let client = try Self.echoClient(server, tls: tls)
                try client.sendFrame(opcode: c.frame.opcode, payload: c.frame.payload, fin: c.frame.fin, rsv: c.frame.rsv, masked: c.frame.masked)
                let close = try #require(client.waitForClose(timeout: 5), "\(c.name)")
                #expect(close.code == c.code, "\(c.name) tls=\(tls)")
                #expect(close.tcpClosed, "\(c.name)")
            }
        }
    }

    @Test func messageOverMaxMessageBytes_acrossFragments_closes1009() throws {
        try Self.withServer({ $0.limits.maxMessageBytes = 100_000 }) { server in
            let client = try Self.echoClient(server, tls: false)
            try client.sendFrame(opcode: 0x2, payload: [UInt8](repeating: 1, count: 60_000), fin: false)
            try client.sendFrame(opcode: 0x0, payload: [UInt8](repeating: 1, count: 60_000), fin: true)
            #expect(try #require(client.waitForClose(timeout: 5)).code == 1009)
        }
    }

    @Test func invalidUTF8_inFirstFragment_failsBeforeMessageEnds() throws {
        try Self.withServer { server in
            let client = try Self.echoClient(server, tls: false)
            try client.sendFrame(opcode: 0x1, payload: [0x41, 0xff], fin: false) // never completes
            #expect(try #require(client.waitForClose(timeout: 5)).code == 1007)
        }
    }

    @Test func serverPing_isAnswered_andSilentPeerIsDropped() throws {
        try Self.withServer({ $0.limits.pingIntervalSeconds = 0.3 }) { server in
            let client = try Self.echoClient(server, tls: false)
            // The client reads (and its reader answers pings) for a while: still open.
            guard case .ping(let payload) = try client.receive(timeout: 2) else { Issue.record("no ping"); return }
            #expect(payload.count == 8)
            try client.sendFrame(opcode: 0xA, payload: payload)
            try client.sendText("still here")
            var got = false
            for _ in 0..<4 { if case .text("still here") = try client.receive(timeout: 2) { got = true; break } }
            #expect(got)
            // Now it stops answering: closed by the second unanswered interval.
            let close = client.waitForClose(timeout: 5, answerPings: false)
            #expect(close?.code == 1001)
        }
    }

    @Test(arguments: [false, true])
    func handshakeTimeout_dropsSilentPeer(tls: Bool) throws {
        try Self.withServer({ $0.limits.handshakeTimeoutSeconds = 0.5 }) { server in
            let address = tls ? server.secure : server.plain
            let fd = try Socket.connect(to: address, nonBlocking: false)
            defer { Socket.close(fd) }
            var tv = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 16)
            let start = MonotonicClock.now()
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16) }
            let waited = Double(MonotonicClock.now() - start) / 1e9
            #expect(n <= 0)
            #expect(waited < 4)
        }
    }

    @Test(arguments: [false, true])
    func manyConcurrentClients_allEcho(tls: Bool) throws {
        try Self.withServer { server in
            let count = 100
            let failures = Locked(0)
            DispatchQueue.concurrentPerform(iterations: count) { i in
                do {
                    let client = try Self.echoClient(server, tls: tls)
                    for j in 0..<5 {
                        try client.sendText("c\(i)-\(j)")
                        guard try client.receive() == .text("c\(i)-\(j)") else { failures.mutate { $0 += 1 }; return }
                    }
                    client.close()
                } catch { failures.mutate { $0 += 1 } }
            }
            #expect(failures.value == 0)
        }
    }
}

struct RawFrame: Sendable, CustomStringConvertible {
    var opcode: UInt8
    var payload: [UInt8]
    var fin = true
    var rsv: UInt8 = 0
    var masked = true
    var description: String { "op \(opcode) len \(payload.count)" }
}

final class Locked<T>: @unchecked Sendable {
    private var v: T
    private let lock = NSLock()
    init(_ v: T) { self.v = v }
    var value: T { lock.lock(); defer { lock.unlock() }; return v }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&v); lock.unlock() }
}
