import Foundation
import PushClient
import PushCodec
import PushStore
import PushTransport
import Testing
@testable import PushServer

/// The WAMP v1 session and broker over real sockets (Docs/protocol.md, Docs/security.md).
@Suite struct BrokerIntegrationTests {
    static func publish(_ server: TestServer, _ body: String, headers: [(String, String)] = []) throws -> HTTPClientResponse {
        try HTTPClient(baseURL: server.httpURL).request("POST", "/internal/publish", headers: headers, body: Array(body.utf8))
    }

    static func handshake(_ server: TestServer, _ query: String) throws -> HTTPClientResponse {
        try WebSocketClient.connect(url: server.wsURL("/wss?\(query)"), protocols: ["wamp"], timeout: 5).1
    }

    @Test func welcome_hasSessionIdVersionAndServerIdent() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "u1")
        let (socket, response) = try WebSocketClient.connect(url: server.wsURL("/wss?authToken=\(token)&userId=u1"),
                                                              protocols: ["wamp"], timeout: 5)
        #expect(response.status == 101)
        let client = try #require(socket)
        #expect(client.negotiatedProtocol == "wamp")
        let welcome = try client.receiveText(timeout: 5)
        let json = try JSONParser.parse(welcome)
        let items = try #require(json.arrayValue)
        #expect(items.count == 4)
        #expect(items[0] == 0)
        #expect(items[1].stringValue?.utf8.count == 15) // inline small string: no heap block per session
        #expect(items[2] == 1)
        #expect(items[3] == .string("wamp-push/\(ServerIdentity.version)"))
    }

    @Test func handshakeWithoutSubprotocol_isAccepted() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "u1")
        let (socket, response) = try WebSocketClient.connect(url: server.wsURL("/wss?authToken=\(token)&userId=u1"), protocols: [], timeout: 5)
        #expect(response.status == 101)
        #expect(try #require(socket).negotiatedProtocol == nil)
    }

    @Test func authFailures_getTheirStatusAndNoUpgrade() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let expired = try server.createToken(user: "alice", expiresAt: Int64(Date().timeIntervalSince1970) - 10)
        let revoked = try server.createToken(user: "alice")
        _ = try server.server.store.sync { db in try TokenStore(database: db).revoke(token: revoked) }

        #expect(try Self.handshake(server, "authToken=\(token)&userId=alice").status == 101)
        #expect(try Self.handshake(server, "userId=alice").status == 401)
        #expect(try Self.handshake(server, "authToken=\(token)").status == 401)
        #expect(try Self.handshake(server, "authToken=nope&userId=alice").status == 401)
        #expect(try Self.handshake(server, "authToken=\(token)&userId=bob").status == 401)
        #expect(try Self.handshake(server, "authToken=\(expired)&userId=alice").status == 403)
        #expect(try Self.handshake(server, "authToken=\(revoked)&userId=alice").status == 403)
        // EspoCRM strips everything outside [A-Za-z0-9-]; so do we.
        #expect(try Self.handshake(server, "authToken=\(token)%27%22&userId=al%20ice").status == 101)
    }

    @Test(arguments: [false, true])
    func subscribe_publish_event(tls: Bool) throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token, tls: tls)
        try client.subscribe("WhatsApp")
        try client.roundTrip()
        let response = try Self.publish(server, #"{"topicId":"WhatsApp","chatId":"1@c.us","body":"hi"}"#)
        #expect(response.status == 200)
        #expect(response.bodyString() == #"{"accepted":1,"delivered":1}"#)
        let event = try client.nextEvent()
        #expect(event.topic == "WhatsApp")
        #expect(event.payload == (try JSONParser.parse(#"{"topicId":"WhatsApp","chatId":"1@c.us","body":"hi"}"#)))
    }

    @Test func undeclaredTopic_isIgnored_andKeepAliveToo() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token)
        try client.subscribe("notDeclared")
        try client.send(WAMPCodec.publish("", event: ""))      // EspoCRM's keep-alive
        try client.roundTrip()
        #expect(server.server.subscriptionCount == 0)
        #expect(try Self.publish(server, #"{"topicId":"notDeclared"}"#).status == 422)
        try client.subscribe("newNotification")
        try client.roundTrip()
        _ = try Self.publish(server, #"{"topicId":"newNotification","n":1}"#)
        #expect(try client.nextEvent().topic == "newNotification")
    }

    @Test func clientPublish_isRefusedWith1008() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token)
        try client.send(WAMPCodec.publish("WhatsApp", event: ["x": 1]))
        #expect(client.socket.waitForClose(timeout: 5)?.code == 1008)
    }

    @Test func call_getsCallError_andSessionStaysOpen() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token)
        try client.send(WAMPCodec.call(callId: "c1", procURI: "http://example.com/proc", arguments: [1]))
        #expect(try client.socket.receiveText() == #"[4,"c1","http://wamp-push/error#notallowed","You are not allowed to make calls"]"#)
        try client.roundTrip()
    }

    @Test(arguments: [#"{"x":1}"#, "[9]", "[5]", "[5, 7]", "[2, 1, \"p\"]", "[0, \"s\", 1, \"x\"]", "not json"])
    func invalidMessage_closes1008(_ message: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token)
        try client.socket.sendText(message)
        let close = client.socket.waitForClose(timeout: 5)
        #expect(close?.code == 1008, "\(message)")
        #expect(close?.reason.isEmpty == false)
    }

    @Test func prefix_curieSubscription_getsEventsInItsOwnSpelling() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token)
        try client.send(WAMPCodec.prefix("rec", uri: "recordUpdate."))
        try client.subscribe("rec:Lead.42")
        try client.roundTrip()
        _ = try Self.publish(server, #"{"topicId":"recordUpdate.Lead.42"}"#)
        #expect(try client.nextEvent().topic == "rec:Lead.42")
    }

    @Test func perUserDelivery_reachesOnlyThatUser() throws {
        let server = try TestServer()
        defer { server.stop() }
        let alice = try server.wamp(user: "alice", token: try server.createToken(user: "alice"))
        let bob = try server.wamp(user: "bob", token: try server.createToken(user: "bob"))
        for c in [alice, bob] { try c.subscribe("newNotification"); try c.roundTrip() }
        let response = try Self.publish(server, #"{"topicId":"newNotification","userId":"bob","n":1}"#)
        #expect(response.bodyString() == #"{"accepted":1,"delivered":1}"#)
        #expect(try bob.nextEvent().payload["n"] == 1)
        #expect(alice.staysQuiet())
    }

    @Test func revokingThroughTheAPI_closesTheSession() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token)
        let response = try HTTPClient(baseURL: server.httpURL).request("DELETE", "/internal/tokens/\(token)")
        #expect(response.status == 200)
        #expect(client.socket.waitForClose(timeout: 2)?.code == 1008)
        #expect(try Self.handshake(server, "authToken=\(token)&userId=admin").status == 403)
    }

    @Test func revokingInTheDatabase_closesTheSessionWithinASecond() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token)
        // What `wamp-push token revoke` does from another process: a write to the table.
        let other = try StoreService(path: server.server.config.database)
        _ = try other.sync { db in try TokenStore(database: db).revoke(token: token) }
        other.close()
        let start = Date()
        #expect(client.socket.waitForClose(timeout: 3)?.code == 1008)
        #expect(Date().timeIntervalSince(start) < 1.5)
    }

    @Test func internalPublish_authorizationAndValidation() throws {
        let open = try TestServer()
        defer { open.stop() }
        // No secret: loopback may publish; a batch is accepted whole.
        let batch = try Self.publish(open, #"[{"topicId":"WhatsApp"},{"topicId":"newNotification"}]"#)
        #expect(batch.bodyString() == #"{"accepted":2,"delivered":0}"#)
        #expect(try Self.publish(open, #"[{"topicId":"WhatsApp"},{"topicId":"nope"}]"#).status == 422)
        #expect(try Self.publish(open, "{").status == 400)
        #expect(try Self.publish(open, #"{"no":"topic"}"#).status == 400)
        #expect(try Self.publish(open, "42").status == 400)
        #expect(try HTTPClient(baseURL: open.httpURL).request("GET", "/internal/publish").status == 405)

        let locked = try TestServer { $0.publishSecret = "s3cret" }
        defer { locked.stop() }
        #expect(try Self.publish(locked, #"{"topicId":"WhatsApp"}"#).status == 401)
        #expect(try Self.publish(locked, #"{"topicId":"WhatsApp"}"#, headers: [("Authorization", "Bearer wrong")]).status == 403)
        #expect(try Self.publish(locked, #"{"topicId":"WhatsApp"}"#, headers: [("Authorization", "Bearer s3cret")]).status == 200)
    }

    @Test func tokenAPI_registersAndRevokes() throws {
        let server = try TestServer { $0.publishSecret = "k" }
        defer { server.stop() }
        let http = try HTTPClient(baseURL: server.httpURL)
        let auth = [("Authorization", "Bearer k")]
        let created = try http.request("POST", "/internal/tokens", headers: auth, body: Array(#"{"token":"crm-token-1","userId":"u7"}"#.utf8))
        #expect(created.status == 201)
        #expect(try http.request("POST", "/internal/tokens", headers: auth, body: Array(#"{"token":"crm-token-1","userId":"u7"}"#.utf8)).status == 409)
        #expect(try http.request("POST", "/internal/tokens", body: Array(#"{"userId":"u7"}"#.utf8)).status == 401)
        #expect(try Self.handshake(server, "authToken=crm-token-1&userId=u7").status == 101)
        #expect(try http.request("DELETE", "/internal/tokens/crm-token-1", headers: auth).status == 200)
        #expect(try http.request("DELETE", "/internal/tokens/crm-token-1", headers: auth).status == 404)
    }

    @Test func slowConsumer_isClosed_whileFastOneGetsEverythingInOrder() throws {
        let server = try TestServer {
            $0.limits.sendBufferBytes = 64 * 1024
            $0.limits.outputHighWatermarkBytes = 32 * 1024
            $0.limits.outputLowWatermarkBytes = 8 * 1024
        }
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let slow = try server.wamp(user: "admin", token: token)
        let fast = try server.wamp(user: "admin", token: token)
        for c in [slow, fast] { try c.subscribe("WhatsApp"); try c.roundTrip() }
        let padding = String(repeating: "x", count: 8000)
        // ~16 MB: far beyond what the kernel buffers for a reader that never reads (about 4 MB of
        // send buffer plus 128 KiB of receive window here) plus our 64 KiB.
        let total = 2000
        let reader = Thread.detachNewThreadWithResult { () -> [Int] in
            var seen: [Int] = []
            while seen.count < total, let event = try? fast.nextEvent(timeout: 10) { seen.append(Int(event.payload["n"]?.int64Value ?? -1)) }
            return seen
        }
        let http = try HTTPClient(baseURL: server.httpURL)
        for n in 0..<total {
            _ = try http.request("POST", "/internal/publish", body: Array(#"{"topicId":"WhatsApp","n":\#(n),"pad":"\#(padding)"}"#.utf8))
        }
        #expect(reader.wait() == Array(0..<total))
        #expect(server.server.counters.slowConsumersClosed == 1)
        // The slow client finds a 1008 close behind the events it did get.
        var sawClose = false
        while let message = try? slow.socket.receive(timeout: 5) {
            if case .close(let code, _) = message { sawClose = code == 1008; break }
        }
        #expect(sawClose)
    }

    @Test func fanOut_toAThousandSubscribers_deliversEveryEventOnceInOrder() throws {
        let server = try TestServer { $0.limits.maxSessionsPerUser = 0 } // 1,000 sessions of one user
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let clients = try (0..<1000).map { _ in try server.wamp(user: "admin", token: token) }
        for c in clients { try c.subscribe("WhatsApp") }
        for c in clients { try c.roundTrip() }
        #expect(server.server.subscriptionCount == 1000)
        let events = 20
        let http = try HTTPClient(baseURL: server.httpURL)
        for n in 0..<events {
            let r = try http.request("POST", "/internal/publish", body: Array(#"{"topicId":"WhatsApp","n":\#(n)}"#.utf8))
            #expect(r.bodyString() == #"{"accepted":1,"delivered":1000}"#)
        }
        for c in clients {
            let got = try (0..<events).map { _ in try c.nextEvent().payload["n"]?.int64Value ?? -1 }
            #expect(got == (0..<Int64(events)).map { $0 })
            #expect(c.staysQuiet(0.001))
        }
    }
}

extension Thread {
    /// Runs `body` on a new thread; `wait()` returns its result.
    static func detachNewThreadWithResult<T: Sendable>(_ body: @escaping @Sendable () -> T) -> ThreadResult<T> {
        let result = ThreadResult<T>()
        Thread.detachNewThread { result.set(body()) }
        return result
    }
}

final class ThreadResult<T: Sendable>: @unchecked Sendable {
    private var value: T?
    private let condition = NSCondition()
    func set(_ v: T) { condition.lock(); value = v; condition.broadcast(); condition.unlock() }
    func wait() -> T {
        condition.lock(); defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}
