import Foundation
import PushClient
import PushCodec
@testable import PushServer
@testable import PushTools
import Synchronization
import Testing
import TestSupport

/// The fake wwebjs-api itself: its exact answers and its webhook pump.
@Suite struct UpstreamFakeServerTests {
    @Test func unknownRoute_getsExpressHtml404_byteForByte() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        // The route the CRM's first client called; it never existed.
        let http = try HTTPClient(baseURL: h.fake.baseURL, connectTimeout: 1, requestTimeout: 2)
        let response = try http.request("GET", "/client/getChatMessages/espocrm-session?chatId=491701234567%40c.us&limit=50")
        #expect(response.status == 404)
        #expect(response.headers.first("Content-Type") == "text/html; charset=utf-8")
        #expect(response.body == (try upstreamFixture("express-404-get-chat-messages.html")))
    }

    @Test func secondStart_answers422_withTheSessionId() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        let http = try HTTPClient(baseURL: h.fake.baseURL, connectTimeout: 1, requestTimeout: 2)
        let response = try http.request("GET", "/session/start/demo-1")
        #expect(response.status == 422)
        #expect(response.bodyString() == #"{"success":false,"error":"Session already exists for: demo-1"}"#)
    }

    @Test func fixtureBodies_areServedUnchanged() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        let http = try HTTPClient(baseURL: h.fake.baseURL, connectTimeout: 1, requestTimeout: 2)
        #expect(try http.request("GET", "/client/getChats/espocrm-session").body == (try upstreamFixture("get-chats.json")))
        #expect(try http.request("GET", "/session/status/espocrm-session").body == (try upstreamFixture("session-status-connected.json")))
        #expect(try http.request("GET", "/ping").body == (try upstreamFixture("ping.json")))
        let bad = try http.request("GET", "/session/status/bad.id")
        #expect(bad.status == 422)
        #expect(bad.body == (try upstreamFixture("error-session-name.json")))
    }

    @Test func overrides_replaceFixturesAndMessages() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        h.fake.setChats([["id": ["_serialized": "1@c.us"], "name": "Eins"]])
        h.fake.setMessages(chatId: "1@c.us", [
            ["id": ["_serialized": "b"], "timestamp": 20], ["id": ["_serialized": "a"], "timestamp": 10],
        ])
        #expect(try h.client.chats().map { $0["name"]?.stringValue } == ["Eins"])
        #expect(upstreamIds(try h.client.fetchMessages(chatId: "1@c.us", limit: 50)) == ["a", "b"])
        h.fake.setFixture("session-status-connected", #"{"success":true,"state":"CONNECTED","message":"custom"}"#)
        #expect(try h.client.sessionStatus().message == "custom")
    }

    @Test func sendMessage_rejectsAnUnknownContentType_likeWwebjsApi() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        let http = try HTTPClient(baseURL: h.fake.baseURL, connectTimeout: 1, requestTimeout: 2)
        let body = Array(#"{"chatId":"1@c.us","contentType":"Sticker","content":"x"}"#.utf8)
        let response = try http.request("POST", "/client/sendMessage/espocrm-session", body: body)
        #expect(response.status == 400)
        #expect(response.body == (try upstreamFixture("error-invalid-content-type.json")))
    }

    @Test func webhookPump_postsIncomingMessages_withTheKey_untilStopped() throws {
        let receiver = try FakeUpstream(fixtures: upstreamFixtureDirectory)
        receiver.start()
        defer { receiver.stop() }
        let source = try FakeUpstream(fixtures: upstreamFixtureDirectory)
        source.start()
        let events = Mutex<[FakeUpstream.PumpEvent]>([])
        let path = "/api/v1/WhatsApp/action/webhook"
        try source.startWebhookPump(url: receiver.baseURL + path, every: 0.05, apiKey: "hook-key", sessionId: "demo") { event in
            events.withLock { $0.append(event) }
        }
        #expect(eventually { receiver.requests.count >= 3 })
        source.stop()
        let posted = receiver.requests
        #expect(posted.allSatisfy { $0.method == "POST" && $0.target == path && $0.header("x-api-key") == "hook-key" })
        let bodies = posted.compactMap(\.json)
        #expect(bodies.count == posted.count)
        #expect(bodies.allSatisfy { $0["dataType"] == "message" && $0["sessionId"] == "demo" })
        let messages = bodies.compactMap { $0["data"]?["message"] }
        #expect(messages.prefix(3).map { $0["from"]?.stringValue } == ["491701234567@c.us", "491705555555@c.us", "53859493912625@lid"])
        #expect(messages.allSatisfy { $0["fromMe"] == false && $0["to"] == "491609876543@c.us" && !($0["body"]?.stringValue ?? "").isEmpty })
        let ids = upstreamIds(messages)
        #expect(Set(ids).count == ids.count)
        #expect(ids.first?.hasPrefix("false_491701234567@c.us_3EB0") == true)
        // The pumped message joins the source's history, so fetchMessages sees it too.
        #expect(source.messages(chatId: "491701234567@c.us").contains { $0["id"]?["_serialized"]?.stringValue == ids.first })
        // The receiver (a fake upstream) has no webhook route: each POST got its Express 404.
        #expect(events.withLock { $0.first } == .delivered(status: 404, chatId: "491701234567@c.us", messageId: ids.first ?? ""))
        let countAfterStop = receiver.requests.count
        usleep(200_000)
        #expect(receiver.requests.count <= countAfterStop + 1) // at most one POST was already in flight
    }
}
