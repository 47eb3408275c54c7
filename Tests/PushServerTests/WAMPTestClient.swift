import PushClient
import PushCodec
import PushTransport

/// What AutobahnJS's `ab.Session` sends, over our blocking WebSocket client: subprotocol `wamp`,
/// wait for WELCOME, then SUBSCRIBE / PUBLISH / CALL as text frames.
/// Used by one thread at a time (unchecked Sendable so a test can hand it to a reader thread).
final class WAMPTestClient: @unchecked Sendable {
    let socket: WebSocketClient
    let sessionId: String
    let welcome: [UInt8]

    init(url: String, tls: TLSContext?) throws {
        let (client, response) = try WebSocketClient.connect(url: url, protocols: ["wamp"], tls: tls, timeout: 5)
        guard let client else { throw WAMPTestError.refused(response.status, response.bodyString()) }
        socket = client
        let text = try client.receiveText(timeout: 5)
        welcome = Array(text.utf8)
        guard case .welcome(let sid, _, _) = try WAMPCodec.decodeServerMessage(welcome) else {
            throw WAMPTestError.unexpected(text)
        }
        sessionId = sid
    }

    func subscribe(_ topic: String) throws { try socket.sendText(String(decoding: WAMPCodec.subscribe(topic), as: UTF8.self)) }
    func unsubscribe(_ topic: String) throws { try socket.sendText(String(decoding: WAMPCodec.unsubscribe(topic), as: UTF8.self)) }
    func send(_ bytes: [UInt8]) throws { try socket.sendText(String(decoding: bytes, as: UTF8.self)) }

    /// The next EVENT as (topic, payload).
    func nextEvent(timeout: Double = 5) throws -> (topic: String, payload: JSONValue) {
        let text = try socket.receiveText(timeout: timeout)
        guard case .event(let topic, let payload) = try WAMPCodec.decodeServerMessage(Array(text.utf8)) else {
            throw WAMPTestError.unexpected(text)
        }
        return (topic, payload)
    }

    func nextMessage(timeout: Double = 5) throws -> WAMPServerMessage {
        try WAMPCodec.decodeServerMessage(Array(try socket.receiveText(timeout: timeout).utf8))
    }

    /// True when nothing arrives within `seconds`. Only the timeout counts as quiet: a close
    /// or a dropped connection is something arriving, not silence.
    func staysQuiet(_ seconds: Double = 0.3) -> Bool {
        do { _ = try socket.receiveText(timeout: seconds); return false } catch { return error.kind == .timeout }
    }

    /// Makes sure everything sent before was processed by the server: a CALL is answered in order.
    /// Reads until the server's close frame; its code and reason.
    func closeFrame(timeout: Double = 5) throws -> (code: UInt16?, reason: String) {
        while true {
            if case .close(let code, let reason) = try socket.receive(timeout: timeout) { return (code, reason) }
        }
    }

    func roundTrip() throws {
        try send(WAMPCodec.call(callId: "sync", procURI: "urn:sync"))
        guard case .callError(let id, _, _, _) = try nextMessage(), id == "sync" else { throw WAMPTestError.unexpected("no sync") }
    }
}

enum WAMPTestError: Error {
    case refused(Int, String)
    case unexpected(String)
}
