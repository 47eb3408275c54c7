import Foundation
import PushClient
import PushCodec
import PushTransport
import Testing
import TestSupport

/// The built binary, driven as a user and a browser would drive it.
@Suite(.serialized) struct EndToEndTests {
    /// Starts `wamp-push serve --dev-token` on free ports and returns it with its URLs and token.
    static func startServer() throws -> (ServerProcess, http: String, https: String, token: String) {
        let server = try ServerProcess(arguments: ["serve", "--listen", "127.0.0.1:0", "--listen", "tls://127.0.0.1:0",
                                                   "--db", "data/e2e.sqlite", "--dev-token", "--log-level", "warning"])
        guard let httpLine = server.waitForLine(containing: "listening: http://"),
              let httpsLine = server.waitForLine(containing: "listening: https://"),
              let tokenLine = server.waitForLine(containing: "token:") else {
            server.stop()
            throw E2EError.startup(server.stderr)
        }
        func base(_ line: String) -> String {
            String(line.split(separator: " ").last!.dropLast("/healthz".count))
        }
        let token = String(tokenLine.split(separator: " ").last!)
        return (server, base(httpLine), base(httpsLine), token)
    }

    /// The issue's "done when": an AutobahnJS-like client over wss receives an event posted with
    /// `wamp-push publish --topic WhatsApp --data '{"chatId":"1@c.us"}'`.
    @Test func autobahnLikeClient_overWSS_receivesEventFromPublishCLI() throws {
        let (server, http, https, token) = try Self.startServer()
        defer { server.stop(); server.removeDirectory() }
        #expect(server.stdoutLines.contains { $0.contains("wss://127.0.0.1:") && $0.contains("authToken=\(token)&userId=admin") })

        let tls = try TLSContext.client(verifyPeer: true, caFile: server.directory + "/data/tls/cert.pem")
        let wss = https.replacingOccurrences(of: "https://", with: "wss://") + "/wss?authToken=\(token)&userId=admin"
        let (socket, response) = try WebSocketClient.connect(url: wss, protocols: ["wamp"], tls: tls, timeout: 5)
        #expect(response.status == 101)
        let client = try #require(socket)
        #expect(client.negotiatedProtocol == "wamp")
        guard case .welcome = try WAMPCodec.decodeServerMessage(Array(try client.receiveText(timeout: 5).utf8)) else {
            Issue.record("no WELCOME"); return
        }
        try client.sendText(#"[5,"WhatsApp"]"#)
        try client.sendText(#"[7,"",""]"#) // EspoCRM's keep-alive
        try client.sendText(#"[2,"sync","urn:x"]"#)
        _ = try client.receiveText(timeout: 5) // CALLERROR: everything before it was processed

        let (status, out, err) = try ServerProcess.run(
            ["publish", "--url", http, "--topic", "WhatsApp", "--data", #"{"chatId":"1@c.us"}"#], in: server.directory)
        #expect(status == 0, "\(err)")
        #expect(out.contains(#"{"accepted":1,"delivered":1}"#))
        let event = try client.receiveText(timeout: 5)
        #expect(event == #"[8,"WhatsApp",{"chatId":"1@c.us","topicId":"WhatsApp"}]"#)
    }

    @Test func tokenCLI_createListRevoke_andRevocationClosesTheLiveSession() throws {
        let (server, http, _, _) = try Self.startServer()
        defer { server.stop(); server.removeDirectory() }
        let db = ["--db", "data/e2e.sqlite"]
        let (s1, created, _) = try ServerProcess.run(["token", "create", "--user", "bob", "--expires", "30d"] + db, in: server.directory)
        #expect(s1 == 0)
        let token = created.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 64)
        let (s2, listed, _) = try ServerProcess.run(["token", "list"] + db, in: server.directory)
        #expect(s2 == 0)
        #expect(listed.contains("bob"))
        #expect(!listed.contains(token)) // only hash prefixes are shown

        let ws = http.replacingOccurrences(of: "http://", with: "ws://") + "/wss?authToken=\(token)&userId=bob"
        let client = try #require(try WebSocketClient.connect(url: ws, protocols: ["wamp"], timeout: 5).0)
        _ = try client.receiveText(timeout: 5)
        let (s3, revoked, _) = try ServerProcess.run(["token", "revoke", token] + db, in: server.directory)
        #expect(s3 == 0)
        #expect(revoked.contains("revoked 1 token"))
        let start = Date()
        #expect(client.waitForClose(timeout: 3)?.code == 1008)
        #expect(Date().timeIntervalSince(start) < 1.5)
        let (s4, _, again) = try ServerProcess.run(["token", "revoke", token] + db, in: server.directory)
        #expect(s4 == 1)
        #expect(again.contains("no active token"))
    }

    @Test func sigterm_closesEverySessionWith1001_andExitsZero() throws {
        let (server, http, _, token) = try Self.startServer()
        defer { server.stop(); server.removeDirectory() }
        let ws = http.replacingOccurrences(of: "http://", with: "ws://") + "/wss?authToken=\(token)&userId=admin"
        let clients = try (0..<5).map { _ in try #require(try WebSocketClient.connect(url: ws, protocols: ["wamp"], timeout: 5).0) }
        for c in clients { _ = try c.receiveText(timeout: 5) }
        kill(server.process.processIdentifier, SIGTERM)
        for c in clients { #expect(c.waitForClose(timeout: 5)?.code == 1001) }
        #expect(server.waitForExit(seconds: 5) == 0)
    }

    @Test(arguments: [
        (#"{"limits":{"maxFrameBytes":"big"}}"#, "limits.maxFrameBytes"),
        (#"{"listeners":[{"address":"nowhere"}]}"#, "listeners[0].address"),
        (#"{"bogus":1}"#, "bogus"),
        (#"{"logLevel":"loud"}"#, "logLevel"),
        ("{not json", "not valid JSON"),
    ])
    func invalidConfig_exitsNonZeroWithOneLineNamingTheKey(_ config: String, _ key: String) throws {
        let dir = try makeTemporaryDirectory("wamp-push-cfg-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try config.write(toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        let (status, _, err) = try ServerProcess.run(["serve", "--config", "bad.json"], in: dir)
        #expect(status != 0)
        let lines = err.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count <= 3, "\(err)")
        #expect(err.contains(key), "\(err)")
    }

    @Test func badTLSFiles_stopStartupWithOneClearLine() throws {
        let dir = try makeTemporaryDirectory("wamp-push-tls-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "garbage".write(toFile: dir + "/cert.pem", atomically: true, encoding: .utf8)
        let (missing, _, e1) = try ServerProcess.run(["serve", "--listen", "tls://127.0.0.1:0", "--tls-cert", "nope.pem",
                                                      "--tls-key", "nope.key", "--db", "x.sqlite"], in: dir)
        #expect(missing == 1)
        #expect(e1.contains("nope.pem"))
        let (bad, _, e2) = try ServerProcess.run(["serve", "--listen", "tls://127.0.0.1:0", "--tls-cert", "cert.pem",
                                                  "--tls-key", "cert.pem", "--db", "x.sqlite"], in: dir)
        #expect(bad == 1)
        #expect(e2.contains("cert.pem") && e2.contains("PEM"), "\(e2)")
    }
}

enum E2EError: Error { case startup(String) }
