import Foundation
import PushClient
import PushCodec
import Testing
@testable import PushServer
import TestSupport

/// `limits.maxTopicBytes` and `limits.maxPrefixesPerSession` over a real WAMP session: a session
/// keeps its prefixes and every subscription's expanded topic for its life, so each is bounded,
/// and going past a bound closes the session with 1008 and a reason naming the key.
@Suite struct TopicLimitTests {
    static func session(_ server: TestServer) throws -> WAMPTestClient {
        try server.wamp(user: "u", token: try server.createToken(user: "u"))
    }

    @Test func prefixURIOverMaxTopicBytes_closes1008() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Self.session(server)
        try client.send(WAMPCodec.prefix("p", uri: "WhatsApp." + String(repeating: "x", count: 1100)))
        let close = client.socket.waitForClose(timeout: 5)
        #expect(close?.code == 1008)
        #expect(close?.reason.contains("limits.maxTopicBytes") == true, "\(String(describing: close))")
    }

    @Test func prefixesPastMaxPrefixesPerSession_close1008() throws {
        let server = try TestServer { $0.limits.maxPrefixesPerSession = 4 }
        defer { server.stop() }
        let client = try Self.session(server)
        for i in 0..<4 { try client.send(WAMPCodec.prefix("p\(i)", uri: "http://example.com/\(i)#")) }
        try client.roundTrip()
        try client.send(WAMPCodec.prefix("p0", uri: "http://example.com/again#")) // replacing is no new entry
        try client.roundTrip()
        try client.send(WAMPCodec.prefix("p4", uri: "http://example.com/4#"))
        let close = client.socket.waitForClose(timeout: 5)
        #expect(close?.code == 1008)
        #expect(close?.reason.contains("limits.maxPrefixesPerSession") == true, "\(String(describing: close))")
    }

    /// Counted after expansion: a short CURIE whose prefix URI is long.
    @Test func subscribeExpandingPastMaxTopicBytes_closes1008_andStoresNothing() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Self.session(server)
        try client.send(WAMPCodec.prefix("wa", uri: "WhatsApp." + String(repeating: "c", count: 1000)))
        try client.roundTrip()
        try client.subscribe("wa:" + String(repeating: "d", count: 100))
        let close = client.socket.waitForClose(timeout: 5)
        #expect(close?.code == 1008)
        #expect(close?.reason.contains("limits.maxTopicBytes") == true, "\(String(describing: close))")
        #expect(server.server.subscriptionCount == 0)
    }

    @Test(arguments: ["subscribe", "unsubscribe", "publish", "topic-call"])
    func longTopic_closes1008_whateverTheMessage(kind: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Self.session(server)
        let topic = "WhatsApp." + String(repeating: "x", count: 1016) // 1025 bytes
        switch kind {
        case "subscribe": try client.subscribe(topic)
        case "unsubscribe": try client.unsubscribe(topic)
        case "publish": try client.send(WAMPCodec.publish(topic, event: 1))
        default: try client.send(WAMPCodec.call(callId: "c", procURI: "urn:wamp-push:topic", arguments: [.string(topic)]))
        }
        let close = client.socket.waitForClose(timeout: 5)
        #expect(close?.code == 1008)
        #expect(close?.reason.contains("limits.maxTopicBytes") == true, "\(String(describing: close))")
    }

    @Test func topicOfExactlyMaxTopicBytes_isSubscribed() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Self.session(server)
        try client.subscribe("WhatsApp." + String(repeating: "x", count: 1015)) // 1024 bytes
        try client.roundTrip()
        #expect(eventually { server.server.subscriptionCount == 1 })
    }
}
