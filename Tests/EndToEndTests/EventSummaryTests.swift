import Foundation
import PushClient
import Testing
import TestSupport

/// `wamp-push subscribe` (what `make demo` shows) prints one readable line per WhatsApp event
/// above the raw JSON (issue 11).
@Suite(.serialized) struct EventSummaryTests {
    @Test func subscribe_printsChatDirectionAndBody_aboveTheRawJSON() throws {
        let (server, http, _, token) = try EndToEndTests.startServer()
        defer { server.stop(); server.removeDirectory() }
        let ws = http.replacingOccurrences(of: "http://", with: "ws://") + "/wss"
        let subscriber = try ServerProcess(arguments: ["subscribe", "--url", ws, "--user", "admin", "--token", token,
                                                       "--topic", "WhatsApp", "--seconds", "20"], directory: server.directory)
        defer { subscriber.stop() }
        #expect(subscriber.waitForLine(containing: "subscribed: WhatsApp") != nil, "\(subscriber.stderr)")
        let fixture = Repository.url("Fixtures/whatsapp/01-incoming-text-message.json")
        let body = try [UInt8](Data(contentsOf: fixture))
        let answer = try HTTPClient(baseURL: http).request("POST", "/api/v1/WhatsApp/action/webhook",
                                                           headers: [("Content-Type", "application/json")], body: body)
        #expect(answer.status == 200, "\(answer.bodyString())")
        let line = try #require(subscriber.waitForLine(containing: "EVENT WhatsApp:"), "\(subscriber.stdoutLines)")
        #expect(line.hasSuffix(#" EVENT WhatsApp: WhatsApp message, incoming from 491701234567@c.us: "Hallo, ist der Kurs noch frei? 🙂""#), "\(line)")
        // The raw JSON is printed right after the summary; wait for it to be read too.
        #expect(subscriber.waitForLine(containing: #"{"topicId":"WhatsApp","action":"message""#) != nil, "\(subscriber.stdoutLines)")
        let lines = subscriber.stdoutLines.filter { !$0.isEmpty }
        let index = try #require(lines.firstIndex(of: line))
        #expect(lines.count > index + 1 && lines[index + 1].hasPrefix(#"    {"topicId":"WhatsApp","action":"message""#), "\(lines)")
    }
}
