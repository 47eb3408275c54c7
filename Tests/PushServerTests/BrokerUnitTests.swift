@testable import PushBroker
import PushCodec
@testable import PushConfig
@testable import PushServer
import PushTransport
import Testing

@Suite struct CategoriesTests {
    let categories = Categories(ServerConfig.defaultCategories)

    @Test func declaredName_resolvesWithoutParams() {
        #expect(categories.resolve("newNotification") == ResolvedTopic(category: "newNotification", params: [:], chatId: nil, isWhatsApp: false))
        #expect(categories.resolve("popupNotifications.event")?.category == "popupNotifications.event")
    }

    @Test func paramList_mapsSegments_lastKeepsItsDots() {
        #expect(categories.resolve("recordUpdate.Lead.42")?.params == ["scope": "Lead", "id": "42"])
        #expect(categories.resolve("recordUpdate.Lead.a.b.c")?.params == ["scope": "Lead", "id": "a.b.c"])
        #expect(categories.resolve("WhatsApp.393202696323@c.us")?.params == ["chatId": "393202696323@c.us"])
        #expect(categories.resolve("WhatsApp.120363000000000001@g.us")?.chatId == "120363000000000001@g.us")
    }

    @Test func legacySpelling_resolvesToWhatsApp() {
        let r = categories.resolve("whatsapp.message.491701234567@c.us")
        #expect(r?.category == "WhatsApp")
        #expect(r?.chatId == "491701234567@c.us")
    }

    @Test func undeclared_isNil() {
        for t in ["", "WhatsAppX", "whatsapp", "whatsapp.message.", "recordUpdateX.a", "nope.a", "WhatsApp."] {
            #expect(categories.resolve(t) == nil, "\(t)")
        }
    }

    @Test func customCategories_replaceDefaults() {
        let c = Categories(["calls": .init(paramList: ["a", "b", "c"])])
        #expect(c.resolve("WhatsApp") == nil)
        #expect(c.resolve("calls.1")?.params == ["a": "1"])
        #expect(c.resolve("calls.1.2.3.4")?.params == ["a": "1", "b": "2", "c": "3.4"])
    }
}

/// Every publish spelling × every subscribe spelling (Docs/protocol.md, "Topics and the unified WhatsApp topic").
@Suite struct UnificationTests {
    static let chat = "393202696323@c.us"
    static let subscribeSpellings = ["WhatsApp", "WhatsApp.\(chat)", "whatsapp.message.\(chat)", "WhatsApp.other@c.us"]

    func broker() -> Broker { Broker(group: LoopGroup(loopCount: 1), categories: Categories(ServerConfig.defaultCategories)) }

    @Test(arguments: [
        ("WhatsApp", #"{"chatId":"393202696323@c.us"}"#),
        ("WhatsApp.393202696323@c.us", "{}"),
        ("whatsapp.message.393202696323@c.us", "{}"),
    ])
    func publishSpelling_reachesEverySubscribeSpellingOfThatChat(_ topic: String, _ payload: String) throws {
        let publication = try broker().prepare(topic: topic, payload: try JSONParser.parse(payload))
        let uris = Set(publication.targets.map(\.uri))
        #expect(uris == ["WhatsApp", "WhatsApp.\(Self.chat)", "whatsapp.message.\(Self.chat)"])
        #expect(!uris.contains("WhatsApp.other@c.us"))
        // Each target frame carries its own spelling; the payload gained chatId when it lacked one.
        for target in publication.targets {
            let frame = target.frame.array
            let body = Array(frame[2...])
            guard case .event(let t, let p) = try WAMPCodec.decodeServerMessage(body) else { Issue.record("not an event"); continue }
            #expect(t == target.uri)
            #expect(p["chatId"] == .string(Self.chat))
        }
    }

    @Test func whatsAppWithoutChat_reachesOnlyTheBareTopic() throws {
        let publication = try broker().prepare(topic: "WhatsApp", payload: ["action": "lifecycle"])
        #expect(publication.targets.map(\.uri) == ["WhatsApp"])
    }

    @Test func otherCategories_areNotUnified() throws {
        #expect(try broker().prepare(topic: "recordUpdate.Lead.1", payload: [:]).targets.map(\.uri) == ["recordUpdate.Lead.1"])
        #expect(throws: PublishError.undeclaredTopic("nope")) { try broker().prepare(topic: "nope", payload: [:]) }
    }

    @Test func eventFrame_isOneUnmaskedTextFrameWithTheExactEvent() {
        let frame = Publication.eventFrame(topic: "WhatsApp", payloadJSON: Array(#"{"a":1}"#.utf8)).array
        let event = Array(#"[8,"WhatsApp",{"a":1}]"#.utf8)
        #expect(frame == [0x81, UInt8(event.count)] + event)
    }
}

/// WAMP v1 exclude / eligible, as Ratchet applies them.
@Suite struct ExcludeEligibleTests {

    func admitted(_ p: Publication, _ ids: [String]) -> [String] {
        ids.filter { p.admitsSession(id: $0, userId: "u") }
    }

    @Test func noOptions_everyoneIncludingThePublisher() {
        let p = Publication(uris: ["t"], payload: 1)
        #expect(admitted(p, ["a", "b", "me"]) == ["a", "b", "me"])
    }

    @Test func excludeList_dropsThoseSessions() {
        let p = Publication(uris: ["t"], payload: 1, exclude: ["me", "b"])
        #expect(admitted(p, ["a", "b", "me"]) == ["a"])
    }

    @Test func eligibleList_onlyThoseSessions_minusExcluded() {
        let p = Publication(uris: ["t"], payload: 1, exclude: ["b"], eligible: ["a", "b"])
        #expect(admitted(p, ["a", "b", "c"]) == ["a"])
        let none = Publication(uris: ["t"], payload: 1, eligible: [])
        #expect(admitted(none, ["a", "b"]) == [])
    }

    @Test func userFilter_matchesOnlyThatUser() {
        let p = Publication(uris: ["t"], payload: 1, userId: "bob")
        #expect(!p.admitsSession(id: "a", userId: "alice"))
        #expect(p.admitsSession(id: "a", userId: "bob"))
    }
}
