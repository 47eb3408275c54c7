import Foundation
import Logging
import PushClient
import Testing
@testable import PushServer

/// A config whose `categories` replaced the defaults without `WhatsApp`: the webhook still
/// stores and answers 200, but every refused publish is counted and logged, and the start warns.
@Suite struct WebhookRefusedPublishTests {
    @Test func webhook_withoutTheWhatsAppCategory_answers200_countsAndLogsTheRefusal() throws {
        let lines = CapturedLog()
        var log = Logger(label: "test") { _ in lines }
        log.logLevel = .info
        let server = try TestServer(log: log) { $0.categories = ["newNotification": .init()] }
        defer { server.stop() }
        let warnings = { lines.entries.filter { $0.level == .warning } }
        #expect(warnings().contains {
            $0.message.contains("categories does not declare \"WhatsApp\"") && $0.metadata["module"] != nil
        })

        let response = try WebhookIntegrationTests.post(server, try WebhookFixture.bytes("01-incoming-text-message.json"))
        #expect(response.status == 200)
        #expect(try WebhookIntegrationTests.rows(server, chat: "491701234567@c.us").count == 1)
        let metrics = try MetricsTests.scrape(server)
        #expect(metrics["wamp_push_publishes_refused_total{source=\"webhook\"}"] == 1)
        #expect(warnings().contains {
            $0.message == "publish refused: topic not declared" && $0.metadata["source"] == "webhook"
                && $0.metadata["topic"] == "WhatsApp"
        })
    }
}
