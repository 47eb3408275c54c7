import Foundation
import PushClient
import PushCodec
import PushStore
import Testing
@testable import PushServer

/// Who may call each route (Docs/security.md), over real sockets: the refusals of issue 10
/// (H3 saveSettings, M2 webhook without a secret, M3 loopback behind a proxy) and what each returns.
@Suite struct RouteAccessTests {
    static let forwardingHeaders = [("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=203.0.113.9"), ("X-Real-IP", "203.0.113.9")]

    static func body(_ s: String) -> [UInt8] { Array(s.utf8) }

    // MARK: H3 — saveSettings is for admins

    @Test func saveSettings_withAnOrdinaryUserToken_is403_andChangesNothing() throws {
        let s = try WhatsAppActionsTests.setup()
        defer { s.stop() }
        let before = s.server.server.whatsApp.settings.current
        let response = try s.post("saveSettings", #"{"apiUrl":"http://127.0.0.1:9/steal","apiKey":"mine"}"#)
        #expect(response.status == 403)
        #expect(response.bodyString().contains("adminUsers"))
        let after = s.server.server.whatsApp.settings.current
        #expect(after.apiUrl == before.apiUrl)
        #expect(after.apiKey == before.apiKey)
        let saved = try s.server.server.store.sync { db in try SettingsStore(database: db).all() }
        #expect(saved["whatsapp.apiUrl"] == nil)
        #expect(saved["whatsapp.apiKey"] == nil)
        // The same user may still use the ordinary actions.
        #expect(try s.get("status").status == 200)
    }

    @Test func saveSettings_withEspoAuthorization_namingAnAdmin_isStillJudgedByTheTokensOwner() throws {
        let s = try WhatsAppActionsTests.setup { $0.auth.adminUsers = ["admin"] }
        defer { s.stop() }
        // The token belongs to "agent"; the username in the header claims "admin".
        let espo = Base64.encode(Array("admin:\(s.token)".utf8))
        let response = try s.http.request("POST", "/api/v1/WhatsApp/action/saveSettings", headers: [("Espo-Authorization", espo)],
                                          body: Self.body(#"{"apiKey":"mine"}"#))
        #expect(response.status == 403)
        #expect(s.server.server.whatsApp.settings.current.apiKey == "up-key")
    }

    @Test func saveSettings_byAConfiguredAdminUser_isAccepted() throws {
        let s = try WhatsAppActionsTests.setup { $0.auth.adminUsers = ["boss"] }
        defer { s.stop() }
        let token = try s.server.createToken(user: "boss")
        let response = try s.http.request("POST", "/api/v1/WhatsApp/action/saveSettings", headers: [("Authorization", "Bearer \(token)")],
                                          body: Self.body(#"{"apiKey":"k2"}"#))
        #expect(response.status == 200)
        #expect(s.server.server.whatsApp.settings.current.apiKey == "k2")
    }

    @Test func saveSettings_byTheBackendSecret_isAccepted_andAWrongSecretIsNot() throws {
        let s = try WhatsAppActionsTests.setup { $0.publishSecret = "s3cret" }
        defer { s.stop() }
        let path = "/api/v1/WhatsApp/action/saveSettings"
        let wrong = try s.http.request("POST", path, headers: [("Authorization", "Bearer not-it")], body: Self.body(#"{"apiKey":"x"}"#))
        #expect(wrong.status == 401) // neither the secret nor a known token
        let right = try s.http.request("POST", path, headers: [("Authorization", "Bearer s3cret")], body: Self.body(#"{"apiKey":"k3"}"#))
        #expect(right.status == 200)
        #expect(s.server.server.whatsApp.settings.current.apiKey == "k3")
    }

    @Test func saveSettings_withoutCredentials_fromAProxiedLoopbackPeer_is401() throws {
        let s = try WhatsAppActionsTests.setup()
        defer { s.stop() }
        let response = try s.http.request("POST", "/api/v1/WhatsApp/action/saveSettings", headers: [("X-Forwarded-For", "203.0.113.9")],
                                          body: Self.body(#"{"apiKey":"x"}"#))
        #expect(response.status == 401)
        #expect(response.bodyString().contains("X-Forwarded-For"))
        #expect(s.server.server.whatsApp.settings.current.apiKey == "up-key")
    }

    // MARK: M3 — no loopback trust behind a proxy

    @Test(arguments: forwardingHeaders)
    func internalRoutes_fromLoopbackWithAForwardingHeader_are403(header: (String, String)) throws {
        let server = try TestServer()
        defer { server.stop() }
        let http = try HTTPClient(baseURL: server.httpURL)
        let token = try http.request("POST", "/internal/tokens", headers: [header], body: Self.body(#"{"userId":"victim"}"#))
        #expect(token.status == 403)
        #expect(token.bodyString().contains(header.0))
        let publish = try http.request("POST", "/internal/publish", headers: [header], body: Self.body(#"{"topicId":"WhatsApp"}"#))
        #expect(publish.status == 403)
        #expect(try http.request("DELETE", "/internal/tokens/abc", headers: [header]).status == 403)
        let rows = try server.server.store.sync { db in try TokenStore(database: db).list() }
        #expect(rows.isEmpty)
        // Without the header the same loopback peer is trusted (no publishSecret configured).
        #expect(try http.request("POST", "/internal/publish", body: Self.body(#"{"topicId":"WhatsApp"}"#)).status == 200)
    }

    @Test func internalRoutes_withTheSecret_areAcceptedThroughAProxy() throws {
        let server = try TestServer { $0.publishSecret = "s3cret" }
        defer { server.stop() }
        let http = try HTTPClient(baseURL: server.httpURL)
        let headers = [("X-Forwarded-For", "203.0.113.9"), ("Authorization", "Bearer s3cret")]
        #expect(try http.request("POST", "/internal/publish", headers: headers, body: Self.body(#"{"topicId":"WhatsApp"}"#)).status == 200)
        // With a secret configured, loopback alone is not enough.
        #expect(try http.request("POST", "/internal/publish", body: Self.body(#"{"topicId":"WhatsApp"}"#)).status == 401)
    }

    // MARK: M2 — the webhook without a webhookSecret

    @Test func webhook_withoutASecret_fromAProxiedLoopbackPeer_is403_namingWebhookSecret() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try WebhookIntegrationTests.post(server, try WebhookFixture.bytes("01-incoming-text-message.json"),
                                                        headers: [("X-Forwarded-For", "203.0.113.9")])
        #expect(response.status == 403)
        #expect(response.bodyString().contains("webhookSecret"))
        #expect(try WebhookIntegrationTests.rows(server, chat: "491701234567@c.us").isEmpty)
        // The same sender straight from loopback is accepted.
        #expect(try WebhookIntegrationTests.post(server, try WebhookFixture.bytes("01-incoming-text-message.json")).status == 200)
    }

    @Test func webhook_withASecret_isJudgedByTheSecret_notByThePeer() throws {
        let server = try TestServer { $0.whatsapp.webhookSecret = "hook" }
        defer { server.stop() }
        let fixture = try WebhookFixture.bytes("01-incoming-text-message.json")
        #expect(try WebhookIntegrationTests.post(server, fixture).status == 401)
        let proxied = [("X-Forwarded-For", "203.0.113.9"), ("x-api-key", "hook")]
        #expect(try WebhookIntegrationTests.post(server, fixture, headers: proxied).status == 200)
    }

    // MARK: /metrics — backend or a loopback scraper

    @Test func metrics_fromLoopback_isOpen_butNotThroughAProxy_withoutTheSecret() throws {
        let server = try TestServer { $0.publishSecret = "s3cret" }
        defer { server.stop() }
        let http = try HTTPClient(baseURL: server.httpURL)
        #expect(try http.request("GET", "/metrics").status == 200)
        let proxied = try http.request("GET", "/metrics", headers: [("X-Forwarded-For", "203.0.113.9")])
        #expect(proxied.status == 401)
        let withSecret = try http.request("GET", "/metrics", headers: [("X-Forwarded-For", "203.0.113.9"), ("Authorization", "Bearer s3cret")])
        #expect(withSecret.status == 200)
    }

    // MARK: anyone

    @Test func healthz_isOpen_evenThroughAProxy() throws {
        let server = try TestServer { $0.publishSecret = "s3cret" }
        defer { server.stop() }
        let http = try HTTPClient(baseURL: server.httpURL)
        #expect(try http.request("GET", "/healthz", headers: [("X-Forwarded-For", "203.0.113.9")]).status == 200)
    }
}

extension RouteAccessTests {
    /// No publishSecret: a direct loopback caller is the backend, as for /internal/* — so it may
    /// change the settings without a token (Docs/security.md says so).
    @Test func saveSettings_fromDirectLoopback_withoutASecret_isTheBackend() throws {
        let s = try WhatsAppActionsTests.setup()
        defer { s.stop() }
        let response = try s.http.request("POST", "/api/v1/WhatsApp/action/saveSettings", body: Self.body(#"{"apiKey":"k4"}"#))
        #expect(response.status == 200)
        #expect(s.server.server.whatsApp.settings.current.apiKey == "k4")
    }

    /// A refused webhook is still counted as one (the router refuses it, the route counts it).
    @Test func refusedWebhook_isCountedUnauthorized() throws {
        let server = try TestServer { $0.whatsapp.webhookSecret = "hook" }
        defer { server.stop() }
        _ = try WebhookIntegrationTests.post(server, Self.body("{}"))
        #expect(server.server.whatsApp.stats.webhooks(.unauthorized) == 1)
    }

    /// An unknown action and a wrong method are the router's 404 and 405, before any credential check.
    @Test func unknownActionOrWrongMethod_isNotAnAuthQuestion() throws {
        let server = try TestServer()
        defer { server.stop() }
        let http = try HTTPClient(baseURL: server.httpURL)
        #expect(try http.request("GET", "/api/v1/WhatsApp/action/nope").status == 404)
        let wrong = try http.request("GET", "/api/v1/WhatsApp/action/saveSettings")
        #expect(wrong.status == 405)
        #expect(wrong.head.headers.first("Allow") == "POST")
    }
}
