import PushBroker
import PushClient
import PushCodec
import PushConfig
import Testing

/// Issue 15, row H3: "did you mean" and undeclared subscribes cost a bounded amount, whatever
/// a client sends (Docs/security.md).
@Suite struct TopicSuggestionBoundsTests {
    let categories = Categories(ServerConfig.defaultCategories)

    @Test func noSuggestion_forATopicPastTheLimit() {
        let chat = String(repeating: "1", count: 256) // Categories.maxSuggestionTopicBytes
        // Short enough, the wrong case is fixed; past the limit, nothing is suggested.
        #expect(categories.suggestion(for: "whatsapp.1@c.us") == "WhatsApp.1@c.us")
        #expect(categories.suggestion(for: "whatsapp." + chat) == nil)
        #expect(categories.suggestion(for: "Whatsapp" + String(repeating: "é", count: 200)) == nil)
    }

    @Test func noEditDistance_forLongInput() {
        let known = String(repeating: "a", count: 65) // past Suggestion.maxTypedBytes
        let typo = "b" + known.dropFirst()
        #expect(Suggestion.closest(to: "newNotifcation", among: ["newNotification"]) == "newNotification")
        #expect(Suggestion.closest(to: typo, among: [known]) == nil)
    }

    @Test func resolve_stillMapsLongTopics() {
        let chat = String(repeating: "9", count: 10_000) + "@c.us"
        #expect(categories.resolve("WhatsApp." + chat)?.chatId == chat)
        #expect(categories.resolve("whatsapp.message." + chat)?.chatId == chat)
        #expect(categories.resolve("WhatsAppX" + chat) == nil)
    }

    @Test func topicCall_suggestsNothingForALongTopic() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.wamp(user: "u1", token: try server.createToken(user: "u1"))
        try client.send(WAMPCodec.prefix("p", uri: "whatsapp."))
        for (id, topic) in [("short", "p:1@c.us"), ("long", "p:" + String(repeating: "1", count: 1000))] {
            try client.send(WAMPCodec.call(callId: id, procURI: TopicInfo.procedure, arguments: [.string(topic)]))
            guard case .callResult(let callId, let result) = try client.nextMessage() else {
                Issue.record("no CALLRESULT for \(id)")
                return
            }
            #expect(callId == id)
            #expect(result["declared"]?.boolValue == false)
            if id == "short" {
                #expect(result["suggestion"]?.stringValue == "WhatsApp.1@c.us")
            } else {
                #expect(result["suggestion"] == .null)
            }
        }
    }

    @Test func undeclaredSubscribes_countTowardTheCap_andCloseTheSession1008() throws {
        let server = try TestServer { $0.limits.maxSubscriptionsPerSession = 3 }
        defer { server.stop() }
        let client = try server.wamp(user: "u1", token: try server.createToken(user: "u1"))
        // A repeated undeclared topic counts once; the fourth distinct one is past the cap.
        for topic in ["nope.1", "nope.2", "WhatsApp", "nope.1"] { try client.subscribe(topic) }
        try client.roundTrip()
        try client.subscribe("nope.3")
        let closed = try client.closeFrame()
        #expect(closed.code == 1008)
        #expect(closed.reason.contains("too many subscriptions (limit 3)"))
    }
}
