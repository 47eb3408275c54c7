import Foundation
import PushClient
import PushCodec
import Testing
@testable import PushServer

/// A scrape after known traffic: the counts match what happened.
@Suite struct MetricsTests {
    static func scrape(_ server: TestServer) throws -> [String: Double] {
        let response = try HTTPClient(baseURL: server.httpURL).request("GET", "/metrics")
        #expect(response.status == 200)
        #expect(response.head.headers.first("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        var values: [String: Double] = [:]
        for line in response.bodyString().split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = v
        }
        return values
    }

    @Test func scrape_afterKnownTraffic_countsMatch() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let a = try server.wamp(user: "admin", token: token)
        let b = try server.wamp(user: "admin", token: token)
        for c in [a, b] { try c.subscribe("WhatsApp"); try c.roundTrip() }
        #expect(try BrokerIntegrationTests.handshake(server, "authToken=nope&userId=admin").status == 401)
        for _ in 0..<3 { _ = try BrokerIntegrationTests.publish(server, #"{"topicId":"WhatsApp"}"#) }
        for c in [a, b] { for _ in 0..<3 { _ = try c.nextEvent() } }
        _ = try WebhookIntegrationTests.post(server, try WebhookFixture.bytes("01-incoming-text-message.json"))
        _ = try WebhookIntegrationTests.post(server, try WebhookFixture.bytes("01-incoming-text-message.json"))
        _ = try WebhookIntegrationTests.post(server, Array("{".utf8))

        let m = try Self.scrape(server)
        #expect(m["wamp_push_handshakes_total{outcome=\"accepted\"}"] == 2)
        #expect(m["wamp_push_handshakes_total{outcome=\"unauthorized\"}"] == 1)
        #expect(m["wamp_push_sessions"] == 2)
        #expect(m["wamp_push_subscriptions"] == 2)
        #expect(m["wamp_push_events_published_total"] == 4) // 3 posted + 1 from the webhook
        #expect(m["wamp_push_events_delivered_total"] == 8)
        #expect(m["wamp_push_webhooks_total{outcome=\"stored\"}"] == 1)
        #expect(m["wamp_push_webhooks_total{outcome=\"duplicate\"}"] == 1)
        #expect(m["wamp_push_webhooks_total{outcome=\"rejected\"}"] == 1)
        #expect(m["wamp_push_connections{listener=\"\(server.plain)\",tls=\"false\"}"] ?? 0 >= 3)
    }
}
