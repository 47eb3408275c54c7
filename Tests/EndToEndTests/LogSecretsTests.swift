import Foundation
import PushClient
import Testing

/// Logs never carry a token, a publish secret or an upstream API key, even at trace level.
@Suite(.serialized) struct LogSecretsTests {
    @Test func traceLogs_neverContainSecrets() throws {
        let secret = "publish-secret-9f8e7d"
        let apiKey = "upstream-api-key-1a2b3c"
        let server = try ServerProcess(arguments: ["serve", "--listen", "127.0.0.1:0", "--db", "data/logs.sqlite",
                                                   "--dev-token", "--log-level", "trace", "--publish-secret", secret],
                                       environment: ["WAMP_PUSH_WHATSAPP_API_KEY": apiKey,
                                                     "WAMP_PUSH_WHATSAPP_API_URL": "http://127.0.0.1:9"])
        defer { server.stop(); server.removeDirectory() }
        let line = try #require(server.waitForLine(containing: "listening: http://"))
        let http = String(line.split(separator: " ").last!.dropLast("/healthz".count))
        let token = try #require(server.waitForLine(containing: "token:")).split(separator: " ").last.map(String.init) ?? ""
        let ws = http.replacingOccurrences(of: "http://", with: "ws://")
        // Good and bad tokens, a good and a wrong secret, an upstream call that fails.
        _ = try WebSocketClient.connect(url: ws + "/wss?authToken=\(token)&userId=admin", protocols: ["wamp"], timeout: 5)
        _ = try WebSocketClient.connect(url: ws + "/wss?authToken=\(token)x&userId=admin", protocols: ["wamp"], timeout: 5)
        let client = try HTTPClient(baseURL: http)
        _ = try client.request("POST", "/internal/publish", headers: [("Authorization", "Bearer \(secret)")], body: Array(#"{"topicId":"WhatsApp"}"#.utf8))
        _ = try client.request("POST", "/internal/publish", headers: [("Authorization", "Bearer \(secret)-wrong")], body: Array(#"{"topicId":"WhatsApp"}"#.utf8))
        _ = try client.request("GET", "/api/v1/WhatsApp/action/status", headers: [("Authorization", "Bearer \(token)")])
        server.stop()
        // Everything the requests logged comes before the shutdown line; stderr is read asynchronously.
        let end = Date().addingTimeInterval(10)
        while !server.stderr.contains("shutting down") && Date() < end { usleep(20_000) }
        let logs = server.stderr
        #expect(logs.contains("shutting down"))
        #expect(logs.contains("level=info"))
        for needle in [token, secret, apiKey] { #expect(!logs.contains(needle), "a secret reached the log") }
    }
}
