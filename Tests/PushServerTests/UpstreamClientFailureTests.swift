import Foundation
import PushClient
import PushCodec
@testable import PushServer
import Testing
@testable import WhatsAppModule
import TestSupport

/// Every way the upstream can fail, mapped to one `UpstreamError` with a message a person can act on.
@Suite struct UpstreamClientFailureTests {
    @Test func missingApiUrl_isNotConfigured() throws {
        let client = UpstreamClient(settings: UpstreamSettingsBox(UpstreamSettings(apiUrl: "  ")), timeouts: upstreamTestTimeouts)
        #expect(throws: UpstreamError(.notConfigured, "whatsapp.apiUrl is not set")) { try client.sessionStatus() }
    }

    @Test func unusableApiUrlOrSessionId_isNotConfigured() throws {
        let box = UpstreamSettingsBox(UpstreamSettings(apiUrl: "ftp://host", sessionId: "espocrm-session"))
        let client = UpstreamClient(settings: box, timeouts: upstreamTestTimeouts)
        #expect(throws: UpstreamError(.notConfigured, "whatsapp.apiUrl is not usable: invalid URL 'ftp://host': unsupported scheme 'ftp' (expected http, https, ws or wss)")) {
            try client.chats()
        }
        box.replace(UpstreamSettings(apiUrl: "http://127.0.0.1:1", sessionId: "espo crm/x"))
        #expect(throws: UpstreamError(.notConfigured, "whatsapp.sessionId 'espo crm/x' may only contain letters, digits, '_' and '-'")) {
            try client.chats()
        }
    }

    @Test func wrongApiKey_isUnauthorized() throws {
        let h = try UpstreamHarness(fakeKey: "right", clientKey: "wrong")
        defer { h.stop() }
        #expect(throws: UpstreamError(.unauthorized, "the WhatsApp API rejected the API key")) { try h.client.chats() }
        #expect(h.fake.requests.first?.header("x-api-key") == "wrong")
    }

    @Test func missingApiKey_isUnauthorized_andSaysTheKeyIsNotSet() throws {
        let h = try UpstreamHarness(fakeKey: "right")
        defer { h.stop() }
        #expect(throws: UpstreamError(.unauthorized, "the WhatsApp API rejected the API key (whatsapp.apiKey is not set)")) {
            try h.client.sessionStatus()
        }
    }

    @Test func unknownChat_isUpstream404_ChatNotFound() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        #expect(throws: UpstreamError(.upstream(status: 404), "the WhatsApp API answered 404 to POST /chat/fetchMessages/espocrm-session: Chat not Found")) {
            try h.client.fetchMessages(chatId: "4900000000@c.us", limit: 20)
        }
    }

    @Test func sessionNotLoggedIn_isSessionNotReady() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        h.fake.sessionState = .waitingForScan
        #expect(throws: UpstreamError(.sessionNotReady(reason: "session_not_connected"), "the WhatsApp session 'espocrm-session' is not ready: session_not_connected")) {
            try h.client.chats()
        }
        h.fake.sessionState = .absent
        #expect(throws: UpstreamError(.sessionNotReady(reason: "session_not_found"), "the WhatsApp session 'espocrm-session' is not ready: session_not_found")) {
            try h.client.sendMessage(chatId: "491701234567@c.us", text: "hi")
        }
        #expect(h.fake.sentMessages.isEmpty)
    }

    @Test func expressHtml404_isNotFound_namingTheRoute() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        h.fake.failNext(route: "/client/getChats", with: .expressNotFound)
        #expect(throws: UpstreamError(.notFound(route: "GET /client/getChats/espocrm-session"),
                                      "the WhatsApp API has no route GET /client/getChats/espocrm-session (is apiUrl pointing at wwebjs-api?)")) {
            try h.client.chats()
        }
        #expect(try h.client.chats().count == 3) // one-shot: the next call works
    }

    @Test func apiUrlWithWrongBasePath_isNotFound_withThePathAsSent() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        h.settings.update { $0.apiUrl = h.fake.baseURL + "/wwebjs/" }
        #expect(throws: UpstreamError(.notFound(route: "GET /wwebjs/session/status/espocrm-session"),
                                      "the WhatsApp API has no route GET /wwebjs/session/status/espocrm-session (is apiUrl pointing at wwebjs-api?)")) {
            try h.client.sessionStatus()
        }
        #expect(h.fake.requests.map(\.target) == ["/wwebjs/session/status/espocrm-session"])
    }

    @Test func closedPort_isUnreachable() throws {
        let port = closedLoopbackPort()
        let box = UpstreamSettingsBox(UpstreamSettings(apiUrl: "http://127.0.0.1:\(port)/"))
        let client = UpstreamClient(settings: box, timeouts: upstreamTestTimeouts)
        #expect(throws: UpstreamError(.unreachable, "WhatsApp API at http://127.0.0.1:\(port) is unreachable: connect 127.0.0.1:\(port): Connection refused")) {
            try client.sessionStatus()
        }
    }

    @Test func hungRoute_timesOutWithinTheRequestTimeout() throws {
        let h = try UpstreamHarness(timeouts: UpstreamTimeouts(connect: 1, request: 0.3, sessionStart: 5))
        defer { h.stop() }
        h.fake.setHang(route: "/session/status", true)
        let start = ContinuousClock.now
        #expect(throws: UpstreamError(.timeout, "WhatsApp API at \(h.fake.baseURL) did not answer GET /session/status/espocrm-session within 0.3 s")) {
            try h.client.sessionStatus()
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(280) && elapsed < .milliseconds(1500))
        h.fake.setHang(route: "/session/status", false)
        #expect(try h.client.sessionStatus().connected) // a fresh connection replaces the hung one
    }

    @Test func sessionStart_usesItsOwnLongerTimeout() throws {
        let h = try UpstreamHarness(timeouts: UpstreamTimeouts(connect: 1, request: 0.1, sessionStart: 0.4))
        defer { h.stop() }
        h.fake.setHang(route: "/session/start", true)
        let start = ContinuousClock.now
        #expect(throws: UpstreamError(.timeout, "WhatsApp API at \(h.fake.baseURL) did not answer GET /session/start/espocrm-session within 0.4 s")) {
            try h.client.startSession()
        }
        #expect(ContinuousClock.now - start >= .milliseconds(380))
    }

    @Test func jsonErrorBody_isUpstreamWithItsText_andNonJsonErrorQuotesTheBody() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        h.fake.failNext(route: "/client/sendMessage", status: 500, body: #"{"success":false,"error":"Evaluation failed: t: t"}"#)
        #expect(throws: UpstreamError(.upstream(status: 500), "the WhatsApp API answered 500 to POST /client/sendMessage/espocrm-session: Evaluation failed: t: t")) {
            try h.client.sendMessage(chatId: "491701234567@c.us", text: "hi")
        }
        h.fake.failNext(route: "/client/getContacts", status: 502, body: "<html>\r\n<h1>502 Bad Gateway</h1></html>")
        #expect(throws: UpstreamError(.upstream(status: 502), "the WhatsApp API answered 502 Bad Gateway to GET /client/getContacts/espocrm-session with '<html>  <h1>502 Bad Gateway</h1></html>'")) {
            try h.client.contacts()
        }
    }

    @Test func nonJson200_isBadResponse() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        h.fake.failNext(route: "/client/getChats", status: 200, body: "<html>ok</html>")
        #expect(throws: UpstreamError(.badResponse, "the WhatsApp API answered GET /client/getChats/espocrm-session with '<html>ok</html>', not a JSON object (is apiUrl pointing at wwebjs-api?)")) {
            try h.client.chats()
        }
        h.fake.failNext(route: "/client/getChats", status: 200, body: #"{"success":true}"#)
        #expect(throws: UpstreamError(.badResponse, "the WhatsApp API answered GET /client/getChats/espocrm-session without a 'chats' list")) {
            try h.client.chats()
        }
    }

    @Test func connectionClosedWithoutAnswer_isUnreachable() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        h.fake.failNext(route: "/session/qr", with: .closeConnection)
        #expect(throws: UpstreamError(.unreachable, "WhatsApp API at \(h.fake.baseURL) is unreachable: connection to 127.0.0.1:\(h.fake.port) closed before a response arrived")) {
            try h.client.qrCode()
        }
    }
}
