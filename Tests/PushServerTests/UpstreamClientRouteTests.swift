import Foundation
import PushCodec
@testable import PushServer
import Testing
@testable import WhatsAppModule

/// Each wwebjs-api route through `UpstreamClient` against `FakeUpstream`, over real sockets.
@Suite struct UpstreamClientRouteTests {
    @Test func startSession_isStartedThenAlreadyRunning_whenCalledTwice() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        h.fake.sessionState = .absent
        #expect(try h.client.startSession() == .started)
        #expect(try h.client.startSession() == .alreadyRunning)
        #expect(h.fake.requests.map(\.target) == ["/session/start/espocrm-session", "/session/start/espocrm-session"])
        #expect(h.fake.sessionState == .connected)
    }

    @Test func sessionStatus_mapsEachFixtureState() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        h.fake.sessionState = .connected
        #expect(try h.client.sessionStatus() == UpstreamSessionStatus(state: "CONNECTED", message: "session_connected", connected: true))
        h.fake.sessionState = .waitingForScan
        #expect(try h.client.sessionStatus() == UpstreamSessionStatus(state: "UNPAIRED", message: "session_not_connected", connected: false))
        h.fake.sessionState = .absent
        #expect(try h.client.sessionStatus() == UpstreamSessionStatus(state: nil, message: "session_not_found", connected: false))
    }

    @Test func qrCode_returnsPayload_whenWaitingForScan_andReasonOtherwise() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        let expected = try JSONParser.parse(try upstreamFixture("session-qr.json"))["qr"]?.stringValue
        h.fake.sessionState = .waitingForScan
        #expect(try h.client.qrCode() == .code(try #require(expected)))
        h.fake.sessionState = .connected
        #expect(try h.client.qrCode() == .notReady("qr code not ready or already scanned"))
        h.fake.sessionState = .absent
        #expect(try h.client.qrCode() == .notReady("session_not_found"))
    }

    @Test func terminateSession_isTrueOnce_thenFalseWhenNoSessionIsLeft() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        #expect(try h.client.terminateSession() == true)
        #expect(h.fake.sessionState == .absent)
        #expect(try h.client.terminateSession() == false)
    }

    @Test func chatsAndContacts_returnTheFixtureLists() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        let chats = try h.client.chats()
        #expect(chats == (try upstreamFixtureList("get-chats.json", "chats")))
        #expect(chats.map { $0["id"]?["_serialized"]?.stringValue } == ["491701234567@c.us", "120363000000000001@g.us", "53859493912625@lid"])
        let contacts = try h.client.contacts()
        #expect(contacts == (try upstreamFixtureList("get-contacts.json", "contacts")))
        #expect(contacts.count == 5)
        #expect(h.fake.requests.map { "\($0.method) \($0.target)" } == [
            "GET /client/getChats/espocrm-session", "GET /client/getContacts/espocrm-session",
        ])
    }

    @Test func fetchMessages_returnsNewestN_oldestFirst_andPostsTheWwebjsBody() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        let messages = try h.client.fetchMessages(chatId: "491701234567@c.us", limit: 2)
        #expect(upstreamIds(messages) == [
            "false_491701234567@c.us_3EB0A1B2C3D4E5F60004", "true_491701234567@c.us_3EB0A1B2C3D4E5F60005",
        ])
        let request = try #require(h.fake.requests.last)
        #expect(request.method == "POST")
        #expect(request.target == "/chat/fetchMessages/espocrm-session")
        #expect(request.bodyText == #"{"chatId":"491701234567@c.us","searchOptions":{"limit":2}}"#)
        #expect(request.header("Content-Type") == "application/json")
    }

    @Test func fetchMessages_clampsLimitTo1Through200() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        _ = try h.client.fetchMessages(chatId: "491701234567@c.us", limit: 0)
        _ = try h.client.fetchMessages(chatId: "491701234567@c.us", limit: -5)
        _ = try h.client.fetchMessages(chatId: "491701234567@c.us", limit: 500)
        _ = try h.client.fetchMessages(chatId: "491701234567@c.us", limit: 200)
        #expect(h.fake.requests(to: "/chat/fetchMessages").map { $0.json?["searchOptions"]?["limit"]?.int64Value } == [1, 1, 200, 200])
    }

    @Test func sendMessage_returnsTheCreatedMessage_whichFetchMessagesThenIncludes() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        let before = Int64(Date().timeIntervalSince1970)
        let sent = try h.client.sendMessage(chatId: "491701234567@c.us", text: "Grüße 👋\nZeile 2")
        let prefix = "true_491701234567@c.us_"
        #expect(sent.id.hasPrefix(prefix))
        let hex = sent.id.dropFirst(prefix.count)
        #expect(hex.count == 20 && hex.allSatisfy { $0.isHexDigit && !$0.isLowercase })
        #expect(sent.ack == 1)
        #expect((sent.timestamp ?? 0) >= before)
        #expect(sent.message["body"]?.stringValue == "Grüße 👋\nZeile 2")
        #expect(h.fake.sentMessages == [sent.message])
        let request = try #require(h.fake.requests.last)
        #expect(request.target == "/client/sendMessage/espocrm-session")
        #expect(request.bodyText == #"{"chatId":"491701234567@c.us","contentType":"string","content":"Grüße 👋\nZeile 2"}"#)
        let history = try h.client.fetchMessages(chatId: "491701234567@c.us", limit: 200)
        #expect(upstreamIds(history).last == sent.id)
        #expect(history.count == 6)
    }

    @Test func everyRequest_carriesTheApiKeyHeader_whenOneIsSet() throws {
        let h = try UpstreamHarness(fakeKey: "s3cret", clientKey: "s3cret")
        defer { h.stop() }
        _ = try h.client.sessionStatus()
        _ = try h.client.chats()
        _ = try h.client.fetchMessages(chatId: "491701234567@c.us", limit: 10)
        _ = try h.client.sendMessage(chatId: "491701234567@c.us", text: "x")
        #expect(h.fake.requests.count == 4)
        #expect(h.fake.requests.map { $0.header("x-api-key") } == ["s3cret", "s3cret", "s3cret", "s3cret"])
        #expect(h.fake.requests.allSatisfy { $0.header("Accept") == "application/json" })
    }

    @Test func noApiKeyHeader_isSent_whenNoneIsSet() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        _ = try h.client.sessionStatus()
        #expect(h.fake.requests.first?.header("x-api-key") == nil)
    }

    @Test func consecutiveCalls_reuseOneKeepAliveConnection() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        for _ in 0..<3 { _ = try h.client.sessionStatus() }
        _ = try h.client.chats()
        #expect(h.fake.requests.count == 4)
        #expect(h.fake.connectionsAccepted == 1)
    }

    @Test func run_deliversResultsAndErrorsToTheCompletion() async throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        let status = await withCheckedContinuation { (done: CheckedContinuation<Result<UpstreamSessionStatus, UpstreamError>, Never>) in
            h.client.run({ client throws(UpstreamError) in try client.sessionStatus() }) { done.resume(returning: $0) }
        }
        #expect(try status.get().connected == true)
        let failed = await withCheckedContinuation { (done: CheckedContinuation<Result<[JSONValue], UpstreamError>, Never>) in
            h.client.run({ client throws(UpstreamError) in try client.fetchMessages(chatId: "nobody@c.us", limit: 5) }) { done.resume(returning: $0) }
        }
        #expect(throws: UpstreamError(.upstream(status: 404), "the WhatsApp API answered 404 to POST /chat/fetchMessages/espocrm-session: Chat not Found")) {
            try failed.get()
        }
    }
}
