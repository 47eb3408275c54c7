@testable import PushClient
import PushCodec
import Testing

/// Reads the handshake request, records its WebSocket headers, and returns the correct accept value.
func readHandshake(_ peer: FakePeer, _ server: FakeServer) -> String? {
    guard let request = peer.readRequest() else { server.record("no handshake"); return nil }
    let h = request.head.headers
    server.record("\(request.head.method) \(request.head.target) upgrade=\(h.first("Upgrade") ?? "-") connection=\(h.first("Connection") ?? "-") version=\(h.first("Sec-WebSocket-Version") ?? "-") protocol=\(h.first("Sec-WebSocket-Protocol") ?? "-") origin=\(h.first("Origin") ?? "-")")
    guard let key = h.first("Sec-WebSocket-Key") else { return nil }
    server.record("key length=\(key.utf8.count)")
    return WebSocketHandshakeKey.expectedAccept(for: key)
}

func switchingProtocols(accept: String, protocolName: String? = "wamp") -> String {
    var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n"
    if let protocolName { response += "Sec-WebSocket-Protocol: \(protocolName)\r\n" }
    return response + "\r\n"
}

func describe(_ frame: (fin: Bool, opcode: UInt8, masked: Bool, key: [UInt8], payload: [UInt8])?) -> String {
    guard let frame else { return "no frame" }
    return "frame fin=\(frame.fin) op=\(frame.opcode) masked=\(frame.masked) payload=\(Digest.hex(frame.payload))"
}

@Suite struct WebSocketClientTests {
    @Test func client_handshakesReassemblesAndClosesCleanly() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept(), let accept = readHandshake(peer, server) else { return }
            // The first frame travels in the same segment as the 101: the client must keep those bytes.
            peer.write(Array(switchingProtocols(accept: accept).utf8) + serverFrame(0x1, "hello"))
            peer.write(serverFrame(0x1, "Hel", fin: false) + serverFrame(0x9, "p") + serverFrame(0x0, "lo"))
            peer.write(serverFrame(0x2, [UInt8](repeating: 7, count: 300)))
            server.record(describe(peer.readClientFrame()))
            peer.write(serverFrame(0x8, [0x03, 0xE8] + Array("bye".utf8)))
            server.record(describe(peer.readClientFrame()))
            peer.close()
        }
        let (maybeClient, response) = try WebSocketClient.connect(url: "ws://localhost:\(server.port)/wss?x=1",
                                                                  headers: [("Origin", "http://crm")], timeout: 2)
        let client = try #require(maybeClient)
        #expect(response.status == 101)
        #expect(client.negotiatedProtocol == "wamp")
        #expect(try client.receive() == .text("hello"))
        #expect(try client.receive() == .ping(Array("p".utf8)))
        #expect(try client.receive() == .text("Hello"))
        #expect(try client.receive() == .binary([UInt8](repeating: 7, count: 300)))
        try client.sendText("hi there")
        let closed = try #require(client.waitForClose(timeout: 2))
        #expect(closed.code == 1000 && closed.reason == "bye" && closed.tcpClosed)
        #expect(server.finish() == [
            "GET /wss?x=1 upgrade=websocket connection=Upgrade version=13 protocol=wamp origin=http://crm",
            "key length=24",
            "frame fin=true op=1 masked=true payload=\(Digest.hex(Array("hi there".utf8)))",
            "frame fin=true op=8 masked=true payload=03e8",
        ])
    }

    @Test func receiveText_answersPingWithMaskedPong_andLargeFramesUseLongLengths() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept(), let accept = readHandshake(peer, server) else { return }
            peer.write(switchingProtocols(accept: accept, protocolName: nil))
            peer.write(serverFrame(0x9, "abc") + serverFrame(0xA, "unsolicited") + serverFrame(0x1, "after"))
            let pong = peer.readClientFrame()
            server.record(describe(pong))
            let big = peer.readClientFrame()
            server.record("big op=\(big?.opcode ?? 0) masked=\(big?.masked ?? false) count=\(big?.payload.count ?? 0) intact=\(big?.payload == (0..<70000).map { UInt8($0 % 251) })")
            let medium = peer.readClientFrame()
            server.record("medium count=\(medium?.payload.count ?? 0) keysDiffer=\(medium?.key != big?.key)")
            _ = peer.waitForEOF()
        }
        let (maybeClient, _) = try WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/", protocols: [], timeout: 2)
        let client = try #require(maybeClient)
        #expect(client.negotiatedProtocol == nil)
        #expect(try client.receiveText() == "after")
        try client.sendBinary((0..<70000).map { UInt8($0 % 251) })
        try client.sendBinary([UInt8](repeating: 1, count: 200))
        client.close()
        #expect(server.finish() == [
            "GET / upgrade=websocket connection=Upgrade version=13 protocol=- origin=-",
            "key length=24",
            "frame fin=true op=10 masked=true payload=616263",
            "big op=2 masked=true count=70000 intact=true",
            "medium count=200 keysDiffer=true",
        ])
    }

    @Test func connect_returnsRefusal_withoutClient() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            _ = readHandshake(peer, server)
            peer.write("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 17\r\n\r\n{\"error\":\"nope\"}\n")
            _ = peer.waitForEOF()
        }
        let (client, response) = try WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/wss",
                                                             headers: [("Sec-WebSocket-Version", "8")], timeout: 2)
        #expect(client == nil)
        #expect(response.status == 426)
        #expect(response.headers.first("Sec-WebSocket-Version") == "13")
        #expect(response.bodyString() == "{\"error\":\"nope\"}\n")
        #expect(server.finish().first == "GET /wss upgrade=websocket connection=Upgrade version=8 protocol=wamp origin=-")
    }

    @Test func connect_refuses101_withWrongAcceptOrUnofferedProtocol() throws {
        for (accept, proto) in [("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "wamp"), (nil, "mqtt")] as [(String?, String)] {
            let server = try FakeServer()
            server.run { server in
                guard let peer = server.accept(), let right = readHandshake(peer, server) else { return }
                peer.write(switchingProtocols(accept: accept ?? right, protocolName: proto))
                _ = peer.waitForEOF()
            }
            let (client, response) = try WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/", timeout: 2)
            #expect(client == nil)
            #expect(response.status == 101)
            _ = server.finish()
        }
    }

    @Test func receive_rejectsMaskedServerFrame_andReportsEOF() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept(), let accept = readHandshake(peer, server) else { return }
            peer.write(switchingProtocols(accept: accept))
            peer.write([0x81, 0x81, 1, 2, 3, 4, 0x41 ^ 1])
            _ = peer.waitForEOF()
        }
        let (maybeClient, _) = try WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/", timeout: 2)
        let client = try #require(maybeClient)
        #expect(throws: ClientError(.protocolError, "WebSocket protocol error: a server frame is masked (servers must not mask)")) {
            try client.receive()
        }
        client.close()
        _ = server.finish()

        let closing = try FakeServer()
        closing.run { server in
            guard let peer = server.accept(), let accept = readHandshake(peer, server) else { return }
            peer.write(switchingProtocols(accept: accept))
            peer.close()
        }
        let (eofClient, _) = try WebSocketClient.connect(url: "ws://127.0.0.1:\(closing.port)/", timeout: 2)
        #expect(throws: ClientError(.closed, "connection to 127.0.0.1:\(closing.port) closed while waiting for a WebSocket frame")) {
            try #require(eofClient).receive()
        }
        #expect(eofClient?.waitForClose(timeout: 0.2) == nil)
        _ = closing.finish()
    }

    @Test func waitForClose_answersPingsOnlyWhenAsked() throws {
        for answerPings in [true, false] {
            let server = try FakeServer()
            server.run { server in
                guard let peer = server.accept(), let accept = readHandshake(peer, server) else { return }
                peer.write(switchingProtocols(accept: accept))
                peer.write(serverFrame(0x9, "k") + serverFrame(0x1, "skipped") + serverFrame(0x8, [0x03, 0xE9]))
                server.record(describe(peer.readClientFrame()))
                peer.close()
            }
            let (maybeClient, _) = try WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/", timeout: 2)
            let client = try #require(maybeClient)
            let closed = try #require(client.waitForClose(timeout: 2, answerPings: answerPings))
            #expect(closed.code == 1001 && closed.reason == "" && closed.tcpClosed)
            let firstFrame = answerPings ? "frame fin=true op=10 masked=true payload=6b" : "frame fin=true op=8 masked=true payload=03e9"
            #expect(server.finish().last == firstFrame)
        }
    }

    @Test func receive_timesOut_withClearMessage() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept(), let accept = readHandshake(peer, server) else { return }
            peer.write(switchingProtocols(accept: accept))
            _ = peer.waitForEOF()
        }
        let (maybeClient, _) = try WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/", timeout: 2)
        let client = try #require(maybeClient)
        #expect(throws: ClientError(.timeout, "timed out after 0.2 s waiting for a WebSocket frame from 127.0.0.1:\(server.port)")) {
            try client.receive(timeout: 0.2)
        }
        client.close()
        _ = server.finish()
    }
}

@Suite struct WebSocketFrameReaderTests {
    func firstError(_ bytes: [UInt8]) -> ClientError? {
        var reader = WebSocketFrameReader(maxPayloadBytes: 1 << 20, initialBytes: bytes)
        do { _ = try reader.next(); return nil } catch { return error }
    }

    @Test func reader_rejectsEveryServerFramingViolation() {
        let prefix = "WebSocket protocol error: "
        #expect(firstError([0xC1, 0x00])?.message == prefix + "a frame has RSV bits 4 set, but no extension was negotiated")
        #expect(firstError([0x83, 0x00])?.message == prefix + "a frame uses the reserved opcode 0x3")
        #expect(firstError([0x09, 0x00])?.message == prefix + "a control frame (opcode 0x9) is fragmented")
        #expect(firstError([0x82, 126, 0, 5])?.message == prefix + "a 5-byte payload uses the 16-bit length form")
        #expect(firstError([0x82, 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00])?.message == prefix + "a 256-byte payload uses the 64-bit length form")
        #expect(firstError([0x89, 126, 0, 200])?.message == prefix + "a control frame carries 200 bytes (at most 125 allowed)")
        #expect(firstError([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0])?.message == prefix + "a frame of 4294967296 bytes exceeds the client limit of 1048576 bytes")
    }

    @Test func reader_waitsForWholeFrame_thenDecodesLengths() throws {
        let payload = [UInt8](repeating: 9, count: 70000)
        let bytes = serverFrame(0x2, payload) + serverFrame(0x1, "x")
        var reader = WebSocketFrameReader(maxPayloadBytes: 1 << 20)
        reader.append(Array(bytes[..<9]))
        #expect(try reader.next() == nil)
        reader.append(Array(bytes[9...]))
        #expect(try reader.next() == WebSocketClientFrame(fin: true, opcode: 2, payload: payload))
        #expect(try reader.next() == WebSocketClientFrame(fin: true, opcode: 1, payload: [0x78]))
        #expect(try reader.next() == nil)
    }
}
