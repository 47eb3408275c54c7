import Foundation
import PushClient
import PushCodec
import PushTransport
import Testing

/// Every line `make run` prints is pasted and run, as a newcomer would (issue 11): the URLs are
/// opened, the commands run through a shell in the directory the server started in.
@Suite(.serialized) struct PrintedLinesTests {
    /// `  label:   value` lines of the development-token block, plus the `listening:` URLs.
    static func printedLines(_ server: ServerProcess) -> [(label: String, value: String)] {
        server.stdoutLines.compactMap { line in
            if line.hasPrefix("wamp-push listening: ") { return ("listening", String(line.dropFirst("wamp-push listening: ".count))) }
            guard line.hasPrefix("  "), let colon = line.firstIndex(of: ":") else { return nil }
            let label = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            return (label, value)
        }
    }

    static func shell(_ line: String, in directory: String) throws -> (Int32, String, String) {
        try ServerProcess.runToEnd("/bin/sh", ["-c", line], in: directory)
    }

    @Test func everyPrintedLine_pastesAndRuns_andASecondStartSaysHowToMakeAToken() throws {
        let server = try ServerProcess(arguments: ["serve", "--listen", "127.0.0.1:0", "--listen", "tls://127.0.0.1:0",
                                                   "--dev-token", "--log-level", "info"], environment: ["WAMP_PUSH_CONSOLE": "1"])
        defer { server.stop(); server.removeDirectory() }
        #expect(server.waitForLine(containing: "(accept the certificate first)") != nil, "\(server.stderr)")
        let lines = Self.printedLines(server)
        let dir = server.directory
        let token = try #require(lines.first { $0.label == "token" }?.value)
        let tls = try TLSContext.client(verifyPeer: true, caFile: dir + "/data/tls/cert.pem")
        var seen: Set<String> = []

        for (label, value) in lines {
            seen.insert(label)
            switch label {
            case "token":
                #expect(value.count == 64)
            case "listening":
                let base = String(value.dropLast("/healthz".count))
                let response = try HTTPClient(baseURL: base, tls: base.hasPrefix("https") ? tls : nil).request("GET", "/healthz")
                #expect(response.status == 200, "\(value)")
            case "browser", "plain ws":
                let (socket, response) = try WebSocketClient.connect(url: value, protocols: ["wamp"], tls: value.hasPrefix("wss") ? tls : nil, timeout: 5)
                #expect(response.status == 101, "\(value)")
                let client = try #require(socket)
                guard case .welcome? = try? WAMPCodec.decodeServerMessage(Array(try client.receiveText(timeout: 5).utf8)) else {
                    Issue.record("no WELCOME at \(value)"); continue
                }
                client.close()
            case "console":
                let url = value.replacingOccurrences(of: " (accept the certificate first)", with: "")
                #expect(url.hasSuffix("&autoconnect=1"))
                let response = try HTTPClient.send("GET", url: url, tls: url.hasPrefix("https") ? tls : nil, timeout: 5)
                #expect(response.status == 200, "\(url)")
                #expect(response.bodyString().contains("autoconnect"))
            case "doctor":
                let (status, out, err) = try Self.shell(value, in: dir)
                #expect(status == 0, "\(value)\n\(out)\(err)")
                #expect(out.hasSuffix("all checks passed\n"))
            case "publish":
                let (status, out, err) = try Self.shell(value, in: dir)
                #expect(status == 0, "\(value)\n\(err)")
                #expect(out.hasPrefix(#"{"accepted":1,"#), "\(out)")
            case "subscribe":
                // Runs until interrupted: it must say subscribed and print what `publish:` sends.
                let subscriber = try ServerProcess(arguments: ["-c", "exec " + value], directory: dir, shell: true)
                defer { subscriber.stop() }
                #expect(subscriber.waitForLine(containing: "subscribed: WhatsApp", seconds: 10) != nil, "\(subscriber.stderr)")
                let publish = try #require(lines.first { $0.label == "publish" }?.value)
                _ = try Self.shell(publish, in: dir)
                #expect(subscriber.waitForLine(containing: "EVENT WhatsApp", seconds: 10) != nil, "\(subscriber.stdoutLines)")
            default:
                Issue.record("a printed line this test does not run: \(label): \(value)")
            }
        }
        #expect(seen == ["listening", "token", "browser", "doctor", "plain ws", "subscribe", "publish", "console"])
        // doctor closed its TLS connections cleanly: nothing for the server to call a failed handshake.
        #expect(!server.stderr.contains("TLS handshake failed"), "\(server.stderr)")
        _ = token

        // The second start: the table has a token, so none is printed; the line says how to make one.
        server.stop()
        let again = try ServerProcess(arguments: ["serve", "--listen", "127.0.0.1:0", "--dev-token"], directory: dir)
        defer { again.stop() }
        let line = try #require(again.waitForLine(containing: "new token:"), "\(again.stdoutLines)\(again.stderr)")
        #expect(again.stdoutLines.contains { $0.contains("No development token created: the token table is not empty") })
        let command = line.components(separatedBy: "new token:")[1].trimmingCharacters(in: .whitespaces)
        let (status, out, err) = try Self.shell(command, in: dir)
        #expect(status == 0, "\(command)\n\(err)")
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
    }
}
