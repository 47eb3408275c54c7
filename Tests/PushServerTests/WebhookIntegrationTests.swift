import Foundation
import PushClient
import PushCodec
import PushStore
import Testing
@testable import PushServer

/// Webhook → row → EVENT over real sockets (Docs/whatsapp.md).
@Suite struct WebhookIntegrationTests {
    static let path = "/api/v1/WhatsApp/action/webhook"

    static func post(_ server: TestServer, _ body: [UInt8], headers: [(String, String)] = []) throws -> HTTPClientResponse {
        try HTTPClient(baseURL: server.httpURL).request("POST", path, headers: headers, body: body)
    }

    static func rows(_ server: TestServer, chat: String) throws -> [StoredMessage] {
        try server.server.store.sync { db in try MessageStore(database: db).newest(chatId: chat, limit: 100) }
    }

    @Test func incomingMessage_isStored_thenPushedToEverySpelling() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let chat = "491701234567@c.us"
        let spellings = ["WhatsApp", "WhatsApp.\(chat)", "whatsapp.message.\(chat)"]
        let clients = try spellings.map { topic -> WAMPTestClient in
            let c = try server.wamp(user: "admin", token: token)
            try c.subscribe(topic)
            try c.roundTrip()
            return c
        }
        let other = try server.wamp(user: "admin", token: token)
        try other.subscribe("WhatsApp.someone-else@c.us")
        try other.roundTrip()

        let response = try Self.post(server, try WebhookFixture.bytes("01-incoming-text-message.json"))
        #expect(response.status == 200)
        // 200 means committed: the row is there when the answer arrives.
        let rows = try Self.rows(server, chat: chat)
        #expect(rows.count == 1)
        #expect(rows.first?.body == "Hallo, ist der Kurs noch frei? 🙂")
        #expect(rows.first?.status == "Received")

        for (client, spelling) in zip(clients, spellings) {
            let event = try client.nextEvent()
            #expect(event.topic == spelling)
            #expect(event.payload["action"] == "message")
            #expect(event.payload["type"] == "message")
            #expect(event.payload["chatId"] == .string(chat))
            let m = try #require(event.payload["data"])
            #expect(event.payload["message"] == m)
            #expect(m["id"] == "false_491701234567@c.us_3EB0AA11BB22CC33DD44")
            #expect(m["messageId"] == m["id"])
            #expect(m["body"] == "Hallo, ist der Kurs noch frei? 🙂")
            #expect(m["fromMe"] == false)
            #expect(m["timestamp"] == 1735812000)
        }
        #expect(other.staysQuiet())
    }

    @Test func message_and_message_create_andConcurrentDuplicates_giveOneRowOneEvent() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token)
        try client.subscribe("WhatsApp")
        try client.roundTrip()
        let create = try WebhookFixture.bytes("01-incoming-text-message_create.json")
        let message = try WebhookFixture.bytes("01-incoming-text-message.json")
        let statuses = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 20) { i in
            let status = (try? Self.post(server, i % 2 == 0 ? create : message).status) ?? -1
            statuses.mutate { $0.append(status) }
        }
        #expect(statuses.value == [Int](repeating: 200, count: 20))
        #expect(try Self.rows(server, chat: "491701234567@c.us").count == 1)
        #expect(try client.nextEvent().payload["action"] == "message")
        #expect(client.staysQuiet(0.5))
    }

    @Test func ack_updatesTheRow_andPublishesAnAckEvent() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let client = try server.wamp(user: "admin", token: token)
        try client.subscribe("WhatsApp.491701234567@c.us")
        try client.roundTrip()
        // The message the ack refers to, as the upstream announced it when it was sent.
        var sent = try JSONParser.parse(try WebhookFixture.bytes("09-ack-read-known-id.json"))
        guard case .object(var root) = sent, case .object(var data)? = root["data"],
              case .object(var message)? = data["message"] else { Issue.record("fixture shape"); return }
        data.remove("ack")
        message.set("ack", 1) // delivered to the server, not yet read
        data.set("message", .object(message))
        root.set("data", .object(data))
        root.set("dataType", "message_create")
        sent = .object(root)
        let created = try Self.post(server, sent.jsonBytes)
        #expect(created.status == 200, "\(created.bodyString())")
        #expect(try client.nextEvent().payload["action"] == "message")

        #expect(try Self.post(server, try WebhookFixture.bytes("09-ack-read-known-id.json")).status == 200)
        let ack = try client.nextEvent()
        #expect(ack.payload["action"] == "message_ack")
        #expect(ack.payload["type"] == "ack")
        #expect(ack.payload["data"]?["ack"] == 3)
        #expect(ack.payload["data"]?["messageId"] == "true_491701234567@c.us_3EB0FF00EE11DD22CC33")
        // An ack for an unknown id is acknowledged and stored nowhere.
        #expect(try Self.post(server, try WebhookFixture.bytes("09-ack-unknown-id.json")).status == 200)
        #expect(client.staysQuiet())
    }

    @Test func lifecycle_isPublishedWithoutChat() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.wamp(user: "admin", token: try server.createToken(user: "admin"))
        try client.subscribe("WhatsApp")
        try client.roundTrip()
        #expect(try Self.post(server, try WebhookFixture.bytes("14-disconnected-logout.json")).status == 200)
        let event = try client.nextEvent()
        #expect(event.payload["action"] == "lifecycle")
        #expect(event.payload["chatId"] == nil)
        #expect(event.payload["data"]?["state"] == "LOGOUT")
    }

    @Test func badInput_isRejected_andNothingStored() throws {
        let server = try TestServer { $0.limits.maxRequestBytes = 64 * 1024 }
        defer { server.stop() }
        #expect(try Self.post(server, Array("{not json".utf8)).status == 400)
        #expect(try Self.post(server, []).status == 400)
        #expect(try Self.post(server, try WebhookFixture.bytes("18-missing-id.json")).status == 422)
        let big = Array(#"{"dataType":"media","data":{"messageMedia":{"data":""#.utf8) + [UInt8](repeating: 65, count: 100_000) + Array(#""}}}"#.utf8)
        #expect(try Self.post(server, big).status == 413)
        #expect(try Self.post(server, try WebhookFixture.bytes("08-status-broadcast-message.json")).status == 200)
        let stored = try server.server.store.sync { db in try db.prepare("SELECT count(*) FROM whats_app_message").query().first?.int64(0) }
        #expect(stored == 0)
    }

    @Test func senderVerification_answers401() throws {
        let server = try TestServer { $0.whatsapp.webhookSecret = "hook-key" }
        defer { server.stop() }
        let body = try WebhookFixture.bytes("01-incoming-text-message.json")
        #expect(try Self.post(server, body).status == 401)
        #expect(try Self.post(server, body, headers: [("x-api-key", "wrong")]).status == 401)
        #expect(try Self.post(server, body, headers: [("x-api-key", "hook-key")]).status == 200)
        let hmac = Digest.hex(Digest.hmacSHA512(key: Array("hook-key".utf8), data: body))
        let again = try WebhookFixture.bytes("01-incoming-text-message_create.json")
        let hmac2 = Digest.hex(Digest.hmacSHA512(key: Array("hook-key".utf8), data: again))
        #expect(try Self.post(server, again, headers: [("X-Webhook-Hmac", hmac)]).status == 401) // HMAC of another body
        #expect(try Self.post(server, again, headers: [("X-Webhook-Hmac", hmac2)]).status == 200)
    }
}
