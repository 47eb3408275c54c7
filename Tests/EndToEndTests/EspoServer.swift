import Foundation
import PushClient
import PushCodec
import Testing
import TestSupport

/// `wamp-push serve --espo-root Fixtures/espocrm` on free ports, and the fixture's users, for
/// the EspoCRM end-to-end tests (Docs/espocrm.md). The CRM side is our PHP sender, sending as
/// EspoCRM's ZeroMQSender does, and the fixture's `command.php`.
struct EspoServer {
    struct User {
        let id: String
        let token: String
    }

    static let alice = User(id: "a11ce00000000000a", token: "alicetoken0000000000000000000001")
    static let bob = User(id: "b0b0000000000000b", token: "bobtoken00000000000000000000002")

    static let fixture = Repository.url("Fixtures/espocrm").path
    static let phpSender = Repository.url("Fixtures/zeromq/send.php").path

    /// A php with the zmq extension: the sender needs it, and the fixture's command.php runs on it.
    static let php: String? = {
        for path in ["/usr/bin/php", "/usr/local/bin/php"] where FileManager.default.isExecutableFile(atPath: path) {
            if let (status, _, _) = try? ServerProcess.runToEnd(path, ["-r", "exit(extension_loaded('zmq') ? 0 : 1);"], in: "/"),
               status == 0 { return path }
        }
        return nil
    }()

    let process: ServerProcess
    let http: String
    let zeroMQ: String
    let callLog: String

    /// Starts the server; `zeroMQPort` 0 lets libzmq pick one (read back from the start-up log).
    static func start(zeroMQPort: Int = 0, directory: String? = nil) throws -> EspoServer {
        let directory = try directory ?? makeTemporaryDirectory("wamp-push-espo-")
        let callLog = directory + "/calls.log"
        let process = try ServerProcess(
            arguments: ["serve", "--espo-root", fixture, "--listen", "127.0.0.1:0", "--espo-zeromq", "tcp://127.0.0.1:\(zeroMQPort)",
                        "--db", "data/e2e.sqlite", "--log-level", "info"],
            directory: directory, environment: ["ESPO_FIXTURE_CALL_LOG": callLog])
        guard let line = process.waitForLine(containing: "listening: http://"),
              let zeroMQ = waitForZeroMQEndpoint(process) else {
            process.stop()
            throw E2EError.startup(process.stderr)
        }
        let http = String(line.split(separator: " ").last!.dropLast("/healthz".count))
        return EspoServer(process: process, http: http, zeroMQ: zeroMQ, callLog: callLog)
    }

    private static func waitForZeroMQEndpoint(_ process: ServerProcess) -> String? {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let range = process.stderr.range(of: "msg=\"ZeroMQ ingress listening\" endpoint=") {
                let rest = process.stderr[range.upperBound...]
                return String(rest.prefix { !$0.isWhitespace })
            }
            usleep(20_000)
        }
        return nil
    }

    /// A WAMP session of `user` (its WELCOME read), subscribed to `topics`.
    func session(_ user: User, subscribe topics: [String]) throws -> WebSocketClient {
        let url = http.replacingOccurrences(of: "http://", with: "ws://") + "/wss?authToken=\(user.token)&userId=\(user.id)"
        let client = try #require(try WebSocketClient.connect(url: url, protocols: ["wamp"], timeout: 10).0)
        guard case .welcome = try WAMPCodec.decodeServerMessage(Array(try client.receiveText(timeout: 10).utf8)) else {
            throw E2EError.startup("no WELCOME for \(user.id)")
        }
        for topic in topics { try client.sendText(#"[5,"\#(topic)"]"#) }
        return client
    }

    /// The value of one Prometheus sample from /metrics (`name{labels}`), or nil when absent.
    func metric(_ sample: String) -> Double? {
        guard let response = try? HTTPClient.send("GET", url: http + "/metrics") else { return nil }
        let text = String(decoding: response.body, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    /// Waits until the server holds `count` subscriptions (access checks run before a subscription counts).
    func waitForSubscriptions(_ count: Int) -> Bool {
        eventually(30) { metric("wamp_push_subscriptions") == Double(count) }
    }

    /// Runs the PHP sender to its end: `template` with `{seq}` numbered, `count` messages on one connection.
    @discardableResult
    func send(_ template: String, count: Int = 1, intervalMicroseconds: Int = 0) throws -> Int32? {
        let sender = try startSender(template, count: count, intervalMicroseconds: intervalMicroseconds)
        return sender.wait(deadline: 120)
    }

    func startSender(_ template: String, count: Int = 1, intervalMicroseconds: Int = 0) throws -> SenderProcess {
        try SenderProcess(EspoServer.php!, [EspoServer.phpSender, zeroMQ, template, "\(count)", "\(intervalMicroseconds)"])
    }

    var calls: String { (try? String(contentsOfFile: callLog, encoding: .utf8)) ?? "" }

    func stop() {
        process.stop()
        process.removeDirectory()
    }
}

/// The PHP sender as a child process; `wait` kills it past its deadline.
final class SenderProcess {
    let process = Process()

    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func wait(deadline seconds: Double) -> Int32? {
        guard eventually(seconds, { !process.isRunning }) else {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }
}

/// The `seq` of events shaped `[8,"topic",{"seq":N,...}]`, with an optional `sender` filter.
func eventSequence(_ events: [String], sender: String? = nil) -> [Int] {
    events.compactMap { text -> Int? in
        if let sender, !text.contains(#""sender":"\#(sender)""#) { return nil }
        guard let start = text.range(of: #""seq":"#) else { return nil }
        return Int(text[start.upperBound...].prefix { $0.isNumber })
    }
}
