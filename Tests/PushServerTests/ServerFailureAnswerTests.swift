import Foundation
import PushClient
import PushCodec
import Testing
@testable import PushServer

/// When the server itself fails (a verifier that cannot start — under descriptor exhaustion it
/// says `pipe failed: Too many open files` — or a store error), the caller gets `503` with a
/// generic message and `Retry-After`; the cause goes to the log, never into the answer.
@Suite struct ServerFailureAnswerTests {
    static let missingDirectory = "/nonexistent/espocrm-for-wamp-push-tests"

    @Test func verifierThatCannotRun_is503_withoutItsReason_forTheHandshakeAndTheRESTActions() throws {
        let server = try TestServer {
            $0.auth.verifyCommand = "php command.php AuthTokenCheck :token"
            $0.auth.workingDirectory = Self.missingDirectory
        }
        defer { server.stop() }
        let handshake = try AuthQuotaIntegrationTests.handshake(server, user: "u", token: "crm-token")
        let rest = try HTTPClient(baseURL: server.httpURL).request(
            "GET", "/api/v1/WhatsApp/action/status", headers: [("Authorization", "Bearer another-crm-token")])
        for response in [handshake, rest] {
            #expect(response.status == 503)
            #expect(AuthQuotaIntegrationTests.errorCode(response) == "auth_unavailable")
            #expect(response.head.headers.first("Retry-After") == "1")
            let body = response.bodyString()
            #expect(!body.contains("nonexistent") && !body.contains("directory") && !body.contains("verify command"), "\(body)")
        }
    }

    /// Anyone may ask `/healthz`: a store failure is a 503 that says what, not the SQLite text.
    @Test func healthzWithTheStoreGone_is503_withoutTheStoresError() throws {
        let server = try TestServer()
        defer { server.stop() }
        server.server.store.close()
        let response = try HTTPClient(baseURL: server.httpURL).request("GET", "/healthz")
        #expect(response.status == 503)
        #expect(response.bodyString() == #"{"error":"store_unavailable","message":"The database is not writable."}"#)
    }

    /// The token routes answer a store failure with what failed, not the store's text (which
    /// names the database file and SQLite's internals); the log keeps the cause.
    @Test func tokenRoutesWithTheStoreGone_are500_withoutTheStoresError() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "u1")
        server.server.store.close()
        let http = try HTTPClient(baseURL: server.httpURL)
        let created = try http.request("POST", "/internal/tokens", body: Array(#"{"userId":"u2"}"#.utf8))
        #expect(created.status == 500)
        #expect(created.bodyString() == #"{"error":"store_error","message":"The token could not be stored."}"#)
        let revoked = try http.request("DELETE", "/internal/tokens/\(token)")
        #expect(revoked.status == 500)
        #expect(revoked.bodyString() == #"{"error":"store_error","message":"The token could not be revoked."}"#)
    }

    /// The WhatsApp actions that read or write the store answer its failure the same way.
    @Test func whatsAppStoreActionsWithTheStoreGone_are500_withoutTheStoresError() throws {
        let s = try WhatsAppActionsTests.setup { $0.auth.adminUsers = ["agent"] }
        defer { s.stop() }
        #expect(try s.get("status").status == 200) // the token is admitted (and cached) while the store is up
        s.server.server.store.close()
        let messages = try s.get("getChatMessages?chatId=c1@c.us")
        #expect(messages.status == 500)
        #expect(messages.bodyString() == #"{"error":"store_error","message":"Messages could not be read."}"#)
        let settings = try s.post("saveSettings", #"{"apiKey":"k2"}"#)
        #expect(settings.status == 500)
        #expect(settings.bodyString() == #"{"error":"store_error","message":"Settings could not be saved."}"#)
    }
}
