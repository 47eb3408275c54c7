import Foundation
import PushClient
import PushCodec
import Testing
import TestSupport

/// wamp-push behind a real nginx (Debian's package, installed by `make test` when root), started
/// on loopback as this test's own process. The good configuration is read from
/// Docs/deployment.md, so the documented block is the tested one.
@Suite(.serialized, .enabled(if: Nginx.binary != nil, "nginx is not installed (make test installs it when run as root)"))
struct NginxTests {
    /// The ```nginx block of Docs/deployment.md.
    static func documentedBlock() throws -> String {
        let doc = try String(contentsOf: Repository.url("Docs/deployment.md"), encoding: .utf8)
        let start = try #require(doc.range(of: "```nginx\n"))
        let end = try #require(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        return String(doc[start.upperBound..<end.lowerBound])
    }

    /// The legacy configuration: proxies /wss without HTTP/1.1 and the upgrade headers.
    static func legacyBlock(_ documented: String) -> String {
        documented.split(separator: "\n").filter {
            !$0.contains("proxy_http_version") && !$0.contains("Upgrade") && !$0.contains("Connection")
        }.joined(separator: "\n")
    }

    @Test func documentedConfig_deliversEvents_andLegacyConfigDoesNotUpgrade() throws {
        let (server, http, _, token) = try EndToEndTests.startServer()
        defer { server.stop(); server.removeDirectory() }
        let backend = http.replacingOccurrences(of: "http://", with: "")
        let documented = try Self.documentedBlock().replacingOccurrences(of: "127.0.0.1:8080", with: backend)

        // The documented block: a WAMP client behind nginx receives events.
        let good = try Nginx(locationBlock: documented)
        defer { good.stop() }
        let url = "ws://127.0.0.1:\(good.port)/wss?authToken=\(token)&userId=admin"
        let (socket, response) = try WebSocketClient.connect(url: url, protocols: ["wamp"], timeout: 5)
        #expect(response.status == 101)
        let client = try #require(socket)
        #expect(client.negotiatedProtocol == "wamp")
        _ = try client.receiveText(timeout: 5) // WELCOME
        try client.sendText(#"[5,"WhatsApp"]"#)
        try client.sendText(#"[2,"sync","urn:x"]"#)
        _ = try client.receiveText(timeout: 5)
        let published = try HTTPClient(baseURL: http).request("POST", "/internal/publish", body: Array(#"{"topicId":"WhatsApp","via":"nginx"}"#.utf8))
        #expect(published.bodyString() == #"{"accepted":1,"delivered":1}"#)
        #expect(try client.receiveText(timeout: 5) == #"[8,"WhatsApp",{"topicId":"WhatsApp","via":"nginx"}]"#)

        // The legacy block: no 101, and the answer says why.
        let legacy = try Nginx(locationBlock: Self.legacyBlock(documented))
        defer { legacy.stop() }
        let (refused, answer) = try WebSocketClient.connect(url: "ws://127.0.0.1:\(legacy.port)/wss?authToken=\(token)&userId=admin",
                                                             protocols: ["wamp"], timeout: 5)
        #expect(refused == nil)
        #expect(answer.status != 101)
        #expect(answer.bodyString().contains("proxy"))

        // doctor names the proxy and prints the block behind the legacy config, and passes
        // behind the documented one.
        let legacyDoctor = try ServerProcess.run(["doctor", "--url", "ws://127.0.0.1:\(legacy.port)/wss", "--user", "admin",
                                                  "--token", token, "--publish-url", http], in: server.directory)
        #expect(legacyDoctor.0 == 1)
        #expect(legacyDoctor.1.contains("✗"))
        #expect(legacyDoctor.1.contains("proxy_http_version 1.1"), "\(legacyDoctor.1)")
        let goodDoctor = try ServerProcess.run(["doctor", "--url", "ws://127.0.0.1:\(good.port)/wss", "--user", "admin",
                                                "--token", token, "--publish-url", http], in: server.directory)
        #expect(goodDoctor.0 == 0, "\(goodDoctor.1)")
        #expect(!goodDoctor.1.contains("✗"))
    }
}

/// One nginx process serving one `location` block on a free loopback port.
final class Nginx {
    static var binary: String? {
        ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    let port: UInt16
    private let process = Process()
    private let directory: String

    init(locationBlock: String) throws {
        directory = try makeTemporaryDirectory("wamp-push-nginx-")
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        port = closedLoopbackPort()
        let d = directory
        let conf = """
        daemon off;
        master_process off;
        worker_processes 1;
        pid \(d)/nginx.pid;
        error_log \(d)/error.log warn;
        events { worker_connections 256; }
        http {
            access_log off;
            client_body_temp_path \(d)/tmp/body;
            proxy_temp_path \(d)/tmp/proxy;
            fastcgi_temp_path \(d)/tmp/fastcgi;
            uwsgi_temp_path \(d)/tmp/uwsgi;
            scgi_temp_path \(d)/tmp/scgi;
            server {
                listen 127.0.0.1:\(port);
        \(locationBlock)
            }
        }
        """
        try conf.write(toFile: d + "/nginx.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: Nginx.binary!)
        process.arguments = ["-p", d, "-c", d + "/nginx.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready when the port accepts (bounded).
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? HTTPClient(baseURL: "http://127.0.0.1:\(port)", connectTimeout: 0.5, requestTimeout: 1).request("GET", "/nginx-probe")) != nil { return }
            usleep(50_000)
        }
        stop()
        throw NginxError.notStarted((try? String(contentsOfFile: d + "/error.log", encoding: .utf8)) ?? "")
    }

    /// nginx in single-process mode does not always leave on SIGTERM: it is a test peer, so
    /// SIGKILL, and a bounded wait.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

enum NginxError: Error { case notStarted(String) }
