import Foundation
import PushClient
import Testing

/// The console shows a one-line summary (chat, direction, body) above the raw JSON of a
/// WhatsApp event (issue 11), in a real browser.
@Suite(.serialized) struct ConsoleSummaryBrowserTests {
    @Test(.enabled(if: Chromium.path != nil, "chromium is missing and could not be installed (needs root, apt-get and network)"),
          .timeLimit(.minutes(1)))
    func console_showsSummaryLineAboveRawJSON_forAWhatsAppMessage() throws {
        let chromiumPath = try #require(Chromium.path)
        let (server, http, _, token) = try ConsoleBrowserTests.startServer(console: true)
        defer { server.stop(); server.removeDirectory() }
        // The plain listener: no certificate prompt (what make run prints first).
        let browser = try HeadlessChromium(path: chromiumPath, url: http + "/console?userId=admin&authToken=\(token)&autoconnect=1",
                                           directory: server.directory + "/chromium")
        defer { browser.stop() }
        let page = try browser.pageSession(seconds: 10)
        let nonce = "summary-" + UUID().uuidString.prefix(8).lowercased()
        let event = #"{"topicId":"WhatsApp","action":"message","chatId":"491701234567@c.us","data":{"body":"\#(nonce) <b>hi</b>","fromMe":true}}"#
        let summaries = #"JSON.stringify([...document.querySelectorAll('[data-testid="summary"]')].map(s => s.textContent))"#
        var shown: [String] = []
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            _ = try? HTTPClient.send("POST", url: http + "/internal/publish", body: Array(event.utf8), timeout: 2)
            if let json = try page.evaluate(summaries), let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String] {
                shown = list
                if list.contains(where: { $0.contains(nonce) }) { break }
            }
            usleep(200_000)
        }
        #expect(shown.contains("WhatsApp message, outgoing to 491701234567@c.us: \u{201C}\(nonce) <b>hi</b>\u{201D}"), "\(shown.prefix(3))")
        #expect(try page.evaluate(#"String(document.querySelectorAll('[data-testid="events"] b').length)"#) == "0")
    }
}
