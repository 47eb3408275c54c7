import Foundation
import PushClient
import PushCodec
import Testing
@testable import PushServer

/// Each refusal added to the server, with the bad input sent and the status or close code checked.
@Suite struct RejectionTests {
    @Test func plainGetOnWss_is426_namingTheProxy() throws {
        let server = try TestServer()
        defer { server.stop() }
        let r = try HTTPClient(baseURL: server.httpURL).request("GET", "/wss")
        #expect(r.status == 426)
        #expect(r.head.headers.first("Upgrade") == "websocket")
        #expect(r.bodyString().contains("proxy"))
    }

    @Test func tokenAPI_badBodies_are400() throws {
        let server = try TestServer()
        defer { server.stop() }
        let http = try HTTPClient(baseURL: server.httpURL)
        func post(_ body: String) throws -> Int { try http.request("POST", "/internal/tokens", body: Array(body.utf8)).status }
        #expect(try post("not json") == 400)
        #expect(try post(#"{"token":"t"}"#) == 400)                       // no userId
        #expect(try post(#"{"userId":"!!"}"#) == 400)                      // nothing left after stripping
        #expect(try post(#"{"userId":"u","token":"has space"}"#) == 400)   // outside [A-Za-z0-9-]
        #expect(try post(#"{"userId":"u","expiresAt":"tomorrow"}"#) == 400)
        #expect(try http.request("DELETE", "/internal/tokens/bad%20token").status == 400)
        #expect(try http.request("DELETE", "/internal/tokens/unknown-token").status == 404)
    }

    @Test func whatsAppActions_badBodies_are400() throws {
        let server = try TestServer { $0.auth.adminUsers = ["agent"] } // saveSettings is an admin's action
        defer { server.stop() }
        let token = try server.createToken(user: "agent")
        let http = try HTTPClient(baseURL: server.httpURL)
        let auth = [("Authorization", "Bearer \(token)")]
        func post(_ action: String, _ body: String) throws -> Int {
            try http.request("POST", "/api/v1/WhatsApp/action/\(action)", headers: auth, body: Array(body.utf8)).status
        }
        #expect(try post("sendMessage", "{}") == 400)
        #expect(try post("sendMessage", #"{"chatId":"1@c.us","message":5}"#) == 400)
        #expect(try post("saveSettings", "[]") == 400)
        #expect(try post("saveSettings", #"{"apiKey":7}"#) == 400)
        // No apiUrl configured: the upstream actions say so with 503.
        #expect(try http.request("GET", "/api/v1/WhatsApp/action/status", headers: auth).status == 503)
    }

    @Test func tooManyPrefixes_closes1008() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.wamp(user: "u", token: try server.createToken(user: "u"))
        for i in 0..<65 { try client.send(WAMPCodec.prefix("p\(i)", uri: "http://example.com/\(i)#")) }
        let close = client.socket.waitForClose(timeout: 5)
        #expect(close?.code == 1008)
        #expect(close?.reason.contains("prefixes") == true)
    }

    @Test func binaryWAMPMessage_closes1003() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.wamp(user: "u", token: try server.createToken(user: "u"))
        try client.socket.sendBinary(Array(#"[5,"WhatsApp"]"#.utf8))
        #expect(client.socket.waitForClose(timeout: 5)?.code == 1003)
    }
}
