import Foundation
import PushClient
import PushCodec
import PushTransport
import Testing

/// `/console` served by the built binary, and loaded in a real headless Chromium over `wss`
/// with the development certificate (issue 6, item 2).
@Suite(.serialized) struct ConsoleBrowserTests {
    /// Starts `serve` with TLS + plain listeners, the dev token and (optionally) the console on.
    static func startServer(console: Bool) throws -> (ServerProcess, http: String, https: String, token: String) {
        let server = try ServerProcess(arguments: ["serve", "--listen", "tls://127.0.0.1:0", "--listen", "127.0.0.1:0",
                                                   "--db", "data/console.sqlite", "--dev-token", "--log-level", "warning"],
                                       environment: ["WAMP_PUSH_CONSOLE": console ? "1" : "0"])
        guard let httpsLine = server.waitForLine(containing: "listening: https://"),
              let httpLine = server.waitForLine(containing: "listening: http://"),
              let tokenLine = server.waitForLine(containing: "token:"),
              let token = tokenLine.split(separator: " ").last else {
            server.stop()
            throw E2EError.startup(server.stderr)
        }
        func base(_ line: String) -> String { String((line.split(separator: " ").last ?? "").dropLast("/healthz".count)) }
        return (server, base(httpLine), base(httpsLine), String(token))
    }

    static func trustDevCertificate(_ server: ServerProcess) throws -> TLSContext {
        try TLSContext.client(verifyPeer: true, caFile: server.directory + "/data/tls/cert.pem")
    }

    @Test func consolePage_isServedWithStrictHeaders_onlyWhenEnabled() throws {
        let (server, _, https, _) = try Self.startServer(console: true)
        defer { server.stop(); server.removeDirectory() }
        let page = try HTTPClient.send("GET", url: https + "/console?userId=admin", tls: try Self.trustDevCertificate(server))
        #expect(page.status == 200)
        #expect(page.headers.first("Content-Type") == "text/html; charset=utf-8")
        #expect(page.headers.first("Cache-Control") == "no-store")
        #expect(page.headers.first("Content-Security-Policy") == ConsoleExpectations.csp)
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains(#"data-testid="status""#) && html.contains(#"data-testid="events""#))
        // Self-contained: nothing is loaded from anywhere else.
        #expect(!html.contains("<script src") && !html.contains("<link rel=\"stylesheet\"") && !html.contains("http://")
            && !html.contains("https://"))

        let (off, offHTTP, _, _) = try Self.startServer(console: false)
        defer { off.stop(); off.removeDirectory() }
        #expect(try HTTPClient.send("GET", url: offHTTP + "/console").status == 404)
        #expect(try HTTPClient.send("GET", url: offHTTP + "/console/stats").status == 404)
    }

    @Test func consoleStats_countSessionsSubscriptionsAndEvents_exactly() throws {
        let (server, http, _, token) = try Self.startServer(console: true)
        defer { server.stop(); server.removeDirectory() }
        let ws = http.replacingOccurrences(of: "http://", with: "ws://") + "/wss?authToken=\(token)&userId=admin"
        let client = try #require(try WebSocketClient.connect(url: ws, protocols: ["wamp"], timeout: 5).0)
        _ = try client.receiveText(timeout: 5) // WELCOME
        try client.sendText(#"[5,"WhatsApp"]"#)
        try client.sendText(#"[2,"sync","urn:x"]"#)
        _ = try client.receiveText(timeout: 5) // CALLERROR: the SUBSCRIBE before it was processed
        let published = try HTTPClient.send("POST", url: http + "/internal/publish",
                                            body: Array(#"{"topicId":"WhatsApp","chatId":"1@c.us"}"#.utf8))
        #expect(String(decoding: published.body, as: UTF8.self) == #"{"accepted":1,"delivered":1}"#)
        _ = try client.receiveText(timeout: 5) // the EVENT

        // The WAMP client plus the stats request itself; the publish connection may take a moment to close.
        let expected = #"{"connections":2,"sessions":1,"subscriptions":1,"topics":1,"eventsPublished":1,"eventsDelivered":1}"#
        var body = ""
        let deadline = Date().addingTimeInterval(3)
        repeat {
            let stats = try HTTPClient.send("GET", url: http + "/console/stats")
            #expect(stats.headers.first("Content-Type") == "application/json")
            body = String(decoding: stats.body, as: UTF8.self)
            if body == expected { break }
            usleep(50_000)
        } while Date() < deadline
        #expect(body == expected)
    }

    @Test(.enabled(if: Chromium.path != nil, "chromium is missing and could not be installed (needs root, apt-get and network)"),
          .timeLimit(.minutes(1)))
    func console_inHeadlessChromiumOverWSS_showsEventPublishedDuringTheRun() throws {
        let chromiumPath = try #require(Chromium.path)
        let (server, http, https, token) = try Self.startServer(console: true)
        defer { server.stop(); server.removeDirectory() }
        let url = https + "/console?userId=admin&authToken=\(token)&autoconnect=1&topic=WhatsApp"
        let browser = try HeadlessChromium(path: chromiumPath, url: url, directory: server.directory + "/chromium")
        defer { browser.stop() }
        let page = try browser.pageSession(seconds: 10)

        let nonce = "browser-test-" + UUID().uuidString.prefix(8).lowercased()
        // Markup in the payload must show as text, never become an element.
        let publish = Array(#"{"topicId":"WhatsApp","chatId":"1@c.us","body":"\#(nonce) <b>not bold</b>"}"#.utf8)
        // The page reports every event row as "topic|payload"; publish until ours shows up.
        let rows = #"JSON.stringify([...document.querySelectorAll('[data-testid="events"] [data-testid="event"]')]"#
            + #".map(r => r.querySelector('.topic').textContent + '|' + r.querySelector('.payload').textContent))"#
        var shown: [String] = []
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            _ = try? HTTPClient.send("POST", url: http + "/internal/publish", body: publish, timeout: 2)
            if let json = try page.evaluate(rows), let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String] {
                shown = list
                if list.contains(where: { $0.contains(nonce) }) { break }
            }
            usleep(200_000)
        }
        let expectedRow = #"WhatsApp|{"topicId":"WhatsApp","chatId":"1@c.us","body":"\#(nonce) <b>not bold</b>"}"#
        let statusText = try page.evaluate(#"document.querySelector('[data-testid="status"]').textContent"#) ?? "?"
        #expect(shown.contains(expectedRow), "rows: \(shown.prefix(3)); status: \(statusText)")
        #expect(try page.evaluate(#"String(document.querySelectorAll('[data-testid="events"] b').length)"#) == "0")
        let status = try page.evaluate(#"document.querySelector('[data-testid="status"]').dataset.state"#)
        #expect(status == "open")
        // `WAMP_PUSH_CONSOLE_SCREENSHOT=/tmp/console.png` keeps a picture of the page for a person to check.
        if let path = ProcessInfo.processInfo.environment["WAMP_PUSH_CONSOLE_SCREENSHOT"], let png = try page.screenshot() {
            try png.write(to: URL(fileURLWithPath: path))
        }
        // The token must not stay in the address bar.
        #expect(try page.evaluate("location.search") == "?userId=admin&autoconnect=1&topic=WhatsApp")
    }
}

enum ConsoleExpectations {
    static let csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
        + "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

/// Finds Debian's `chromium`, installing it once (bounded) when missing and running as root.
enum Chromium {
    static let path: String? = locateOrInstall()

    private static let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]

    private static func locate() -> String? { candidates.first { FileManager.default.isExecutableFile(atPath: $0) } }

    private static func locateOrInstall() -> String? {
        if let found = locate() { return found }
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/apt-get") else { return nil }
        let env = ["DEBIAN_FRONTEND": "noninteractive"]
        // The package lists may be stale or absent in a fresh container: update once if the first try fails.
        if run("/usr/bin/apt-get", ["install", "-y", "-q", "chromium"], env: env, seconds: 300) != 0 {
            _ = run("/usr/bin/apt-get", ["update", "-q"], env: env, seconds: 180)
            _ = run("/usr/bin/apt-get", ["install", "-y", "-q", "chromium"], env: env, seconds: 300)
        }
        return locate()
    }

    /// Runs a command with its output discarded, killed after `seconds`; returns its exit status.
    private static func run(_ tool: String, _ arguments: [String], env: [String: String], seconds: Double) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(100_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit(); return -1 }
        return p.terminationStatus
    }
}

/// A headless Chromium child process driven through the DevTools protocol over our own WebSocket client.
final class HeadlessChromium {
    private let process = Process()
    private let directory: String

    init(path: String, url: String, directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors",
                             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                             "--user-data-dir=\(directory)", "--remote-debugging-address=127.0.0.1",
                             "--remote-debugging-port=0", "--window-size=1200,800", url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Connects to the page's DevTools endpoint (Chromium writes its port to `DevToolsActivePort`).
    func pageSession(seconds: Double) throws -> DevToolsPage {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: directory + "/DevToolsActivePort", encoding: .utf8),
               let port = text.split(separator: "\n").first.flatMap({ Int($0) }),
               let list = try? HTTPClient.send("GET", url: "http://127.0.0.1:\(port)/json/list", timeout: 2),
               let targets = try? JSONSerialization.jsonObject(with: Data(list.body)) as? [[String: Any]],
               let socketURL = targets.first(where: { $0["type"] as? String == "page" })?["webSocketDebuggerUrl"] as? String,
               let client = try WebSocketClient.connect(url: socketURL, protocols: [], timeout: 5).0 {
                return DevToolsPage(client: client)
            }
            usleep(100_000)
        }
        throw E2EError.startup("Chromium did not open its DevTools endpoint within \(seconds) s")
    }

    func stop() {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// One page target, driven with DevTools protocol commands.
final class DevToolsPage {
    private let client: WebSocketClient
    private var nextId = 0

    init(client: WebSocketClient) { self.client = client }

    /// Evaluates `expression` in the page; returns its value when it is a string.
    func evaluate(_ expression: String) throws -> String? {
        let reply = try command("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        return (reply?["result"] as? [String: Any])?["value"] as? String
    }

    /// A PNG of the viewport, for a person to look at.
    func screenshot() throws -> Data? {
        guard let base64 = try command("Page.captureScreenshot", ["format": "png"])?["data"] as? String else { return nil }
        return Data(base64Encoded: base64)
    }

    /// Sends one command and returns its `result`, skipping unrelated notifications (bounded to 5 s).
    func command(_ method: String, _ params: [String: Any]) throws -> [String: Any]? {
        nextId += 1
        let id = nextId
        let request: [String: Any] = ["id": id, "method": method, "params": params]
        try client.sendText(String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self))
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let text = try client.receiveText(timeout: max(0.1, deadline.timeIntervalSinceNow))
            guard let reply = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  reply["id"] as? Int == id else { continue }
            return reply["result"] as? [String: Any]
        }
        return nil
    }
}
