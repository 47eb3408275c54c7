import Foundation
import PushClient
import PushCodec
@testable import PushConfig
@testable import PushServer
import PushStore
@testable import PushTools
import Testing

/// The REST actions against the fake wwebjs-api over real sockets (Docs/whatsapp.md).
@Suite struct WhatsAppActionsTests {
    struct Setup {
        let upstream: FakeUpstream
        let server: TestServer
        let token: String
        let http: HTTPClient
        func stop() { server.stop(); upstream.stop() }
        var auth: [(String, String)] { [("Authorization", "Bearer \(token)")] }

        func get(_ action: String, _ query: String = "") throws -> HTTPClientResponse {
            try http.request("GET", "/api/v1/WhatsApp/action/\(action)\(query)", headers: auth)
        }
        func post(_ action: String, _ body: String) throws -> HTTPClientResponse {
            try http.request("POST", "/api/v1/WhatsApp/action/\(action)", headers: auth, body: Array(body.utf8))
        }
    }

    static func setup(timeout: Double = 2, _ configure: (inout ServerConfig) -> Void = { _ in }) throws -> Setup {
        let upstream = try FakeUpstream(apiKey: "up-key")
        upstream.start()
        let server = try TestServer {
            $0.whatsapp.apiUrl = upstream.baseURL
            $0.whatsapp.apiKey = "up-key"
            $0.whatsapp.timeoutSeconds = timeout
            configure(&$0)
        }
        let token = try server.createToken(user: "agent")
        return Setup(upstream: upstream, server: server, token: token, http: try HTTPClient(baseURL: server.httpURL, requestTimeout: 15))
    }

    @Test func actions_needUserAuth_bearerOrEspoAuthorization() throws {
        let s = try Self.setup()
        defer { s.stop() }
        #expect(try s.http.request("GET", "/api/v1/WhatsApp/action/status").status == 401)
        #expect(try s.http.request("GET", "/api/v1/WhatsApp/action/status", headers: [("Authorization", "Bearer nope")]).status == 401)
        let espo = Base64.encode(Array("agent:\(s.token)".utf8))
        #expect(try s.http.request("GET", "/api/v1/WhatsApp/action/status", headers: [("Espo-Authorization", espo)]).status == 200)
        #expect(try s.get("status").status == 200)
        #expect(try s.get("sendMessage").status == 405)
        #expect(try s.get("nope").status == 404)
    }

    @Test func sessionActions_mapTheUpstream() throws {
        let s = try Self.setup()
        defer { s.stop() }
        let status = try s.get("status")
        #expect(status.bodyString().contains(#""success":true"#))
        #expect(status.bodyString().contains(#""connected":true"#))
        let login = try s.get("login")
        #expect(login.status == 200)
        #expect(try s.get("login").bodyString().contains(#""status":"alreadyRunning""#)) // 422 "already exists" is success
        #expect(try s.get("qrCode").status == 200)
        #expect(try s.get("getChats").bodyString().contains(#""list":["#))
        #expect(try s.get("getContacts").bodyString().contains(#""list":["#))
        #expect(try s.post("logout", "{}").status == 200)
        // Every upstream request carried the API key.
        #expect(!s.upstream.requests.isEmpty)
        #expect(s.upstream.requests.allSatisfy { $0.headers.first("x-api-key") == "up-key" })
    }

    @Test func getChatMessages_newestNAscending_throttled_andDatabaseFallback() throws {
        let s = try Self.setup()
        defer { s.stop() }
        let chat = "491701234567@c.us"
        func message(_ n: Int, _ t: Int) -> JSONValue {
            .object(["id": .object(["_serialized": .string("false_\(chat)_M\(n)"), "remote": .string(chat), "fromMe": false]),
                     "body": .string("m\(n)"), "type": "chat", "timestamp": .number(t), "from": .string(chat),
                     "to": "491609876543@c.us", "fromMe": false, "ack": 1, "hasMedia": false])
        }
        s.upstream.setMessages(chatId: chat, [message(1, 100), message(2, 300), message(3, 200), message(4, 400)])
        let first = try JSONParser.parse(try s.get("getChatMessages", "?chatId=\(chat)&limit=3").body)
        #expect(first["source"] == "upstream")
        #expect(first["list"]?.arrayValue?.map { $0["body"]?.stringValue ?? "" } == ["m3", "m2", "m4"])
        #expect(first["list"]?[0]?["messageId"] == .string("false_\(chat)_M3"))
        // A widget polling again at once does not reach the upstream.
        let second = try JSONParser.parse(try s.get("getChatMessages", "?chatId=\(chat)&limit=3").body)
        #expect(second["source"] == "throttled")
        #expect(s.upstream.requests(to: "/chat/fetchMessages").count == 1)
        // Upstream down: the database answers and says so.
        let other = "393202696323@c.us"
        _ = try WebhookIntegrationTests.post(s.server, try WebhookFixture.bytes("01-incoming-text-message.json"))
        s.upstream.stop()
        let fallback = try JSONParser.parse(try s.get("getChatMessages", "?chatId=491701234567@c.us&limit=10").body)
        #expect(fallback["source"] == "throttled" || fallback["source"] == "db")
        let db = try JSONParser.parse(try s.get("getChatMessages", "?chatId=\(other)").body)
        #expect(db["source"] == "db")
        #expect(db["list"]?.arrayValue?.isEmpty == true)
        #expect(try s.get("getChatMessages").status == 400)
    }

    @Test func sendMessage_storesPublishesAndReturnsTheUpstreamId() throws {
        let s = try Self.setup()
        defer { s.stop() }
        let client = try s.server.wamp(user: "agent", token: s.token)
        try client.subscribe("WhatsApp")
        try client.roundTrip()
        let reply = try s.post("sendMessage", #"{"chatId":"491701234567@c.us","message":"Hallo 👋"}"#)
        #expect(reply.status == 200)
        let json = try JSONParser.parse(reply.body)
        let id = try #require(json["messageId"]?.stringValue)
        #expect(id.hasPrefix("true_491701234567@c.us_"))
        #expect(json["message"]?["body"] == "Hallo 👋")
        let sent = try #require(s.upstream.requests(to: "/client/sendMessage").first)
        let body = try JSONParser.parse(sent.body)
        #expect(body["chatId"] == "491701234567@c.us")
        #expect(body["contentType"] == "string")
        #expect(body["content"] == "Hallo 👋")
        let event = try client.nextEvent()
        #expect(event.payload["data"]?["messageId"] == .string(id))
        // The upstream's own echo webhook for the same id does not make a second row or event.
        let rows = try WebhookIntegrationTests.rows(s.server, chat: "491701234567@c.us")
        #expect(rows.map(\.messageId) == [id])
    }

    @Test func sendMessage_upstreamFailure_is502_andTheTextIsKeptAsFailed() throws {
        let s = try Self.setup()
        defer { s.stop() }
        s.upstream.failNext(route: "/client/sendMessage", status: 500, body: #"{"success":false,"error":"Evaluation failed"}"#)
        let reply = try s.post("sendMessage", #"{"chatId":"491701234567@c.us","message":"do not lose me"}"#)
        #expect(reply.status == 502)
        #expect(reply.bodyString().contains("Evaluation failed"))
        let rows = try WebhookIntegrationTests.rows(s.server, chat: "491701234567@c.us")
        #expect(rows.map(\.body) == ["do not lose me"])
        #expect(rows.map(\.status) == ["Failed"])
    }

    @Test func hungUpstream_timesOut_andAnExpress404IsNamed() throws {
        let s = try Self.setup(timeout: 0.5)
        defer { s.stop() }
        s.upstream.setHang(route: "/session/status", true)
        let hung = try s.get("status")
        #expect(hung.status == 504)
        s.upstream.setHang(route: "/session/status", false)
        s.upstream.failNext(route: "/client/getChats", with: .expressNotFound)
        let missing = try s.get("getChats")
        #expect(missing.status == 502)
        #expect(missing.bodyString().contains("no route"))
    }

    @Test func slowUpstreamCall_outlivesTheConnectionDeadline() throws {
        // The request's own upstream timeout (1 s) is longer than the connection deadline (0.3 s):
        // the answer still arrives instead of a dropped connection.
        let s = try Self.setup(timeout: 1) { $0.limits.handshakeTimeoutSeconds = 0.3 }
        defer { s.stop() }
        s.upstream.setHang(route: "/session/status", true)
        let fresh = try HTTPClient(baseURL: s.server.httpURL, requestTimeout: 10)
        #expect(try fresh.request("GET", "/api/v1/WhatsApp/action/status", headers: s.auth).status == 504)
    }

    @Test func pipelinedRequests_answerInRequestOrder_evenWhenTheFirstIsSlowest() throws {
        let s = try Self.setup(timeout: 0.5)
        defer { s.stop() }
        s.upstream.setHang(route: "/session/status", true)
        let responses = try s.http.pipeline([
            ("GET", "/api/v1/WhatsApp/action/status", s.auth, nil), // answered after the 0.5 s upstream timeout
            ("GET", "/healthz", [], nil),                            // answered at once, sent second
            ("POST", "/internal/publish", [], Array(#"{"topicId":"WhatsApp"}"#.utf8)),
        ])
        #expect(responses.map(\.status) == [504, 200, 200])
    }

    @Test func saveSettings_switchesTheUpstream_andIsPersisted() throws {
        let s = try Self.setup { $0.auth.adminUsers = ["agent"] } // an admin's action
        defer { s.stop() }
        let second = try FakeUpstream(apiKey: "k2")
        second.start()
        defer { second.stop() }
        #expect(try s.post("saveSettings", #"{"apiUrl":"\#(second.baseURL)","apiKey":"k2"}"#).status == 200)
        #expect(try s.get("status").status == 200)
        #expect(second.requests(to: "/session/status").count == 1)
        #expect(try s.post("saveSettings", #"{"apiUrl":"ftp://x"}"#).status == 400)
        let saved = try s.server.server.store.sync { db in try SettingsStore(database: db).all() }
        #expect(saved["whatsapp.apiUrl"] == second.baseURL)
        #expect(saved["whatsapp.apiKey"] == "k2")
    }
}
