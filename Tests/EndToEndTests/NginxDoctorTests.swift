import Foundation
import PushTools
import Testing
import TestSupport

/// `wamp-push doctor` through a real nginx, one case per way the proxy can be wrong (issue 11):
/// each run must print the line that names the cause. The blocks are derived from the one in
/// Docs/deployment.md (which is `NginxBlock.text`).
@Suite(.serialized, .enabled(if: Nginx.binary != nil, "nginx is not installed (make test installs it when run as root)"))
struct NginxDoctorTests {
    /// The documented block pointed at this test's server, minus the lines `drop` matches.
    static func block(backend: String, dropping drop: (Substring) -> Bool = { _ in false }) throws -> String {
        let documented = try NginxTests.documentedBlock().replacingOccurrences(of: "127.0.0.1:8080", with: backend)
        return documented.split(separator: "\n").filter { !drop($0) }.joined(separator: "\n")
    }

    static func doctor(_ port: UInt16, _ token: String, _ extra: [String] = [], in directory: String) throws -> (Int32, [String]) {
        let (status, out, _) = try ServerProcess.run(["doctor", "--url", "ws://127.0.0.1:\(port)/wss", "--user", "admin",
                                                      "--token", token] + extra, in: directory)
        return (status, out.split(separator: "\n").map(String.init))
    }

    @Test func documentedBlock_isTheOneDoctorPrints() throws {
        #expect(try NginxTests.documentedBlock() == NginxBlock.text + "\n")
    }

    @Test func goodProxy_passesWithPublishURL_andNamesNginxWhenThePublishGoesThroughIt() throws {
        let (server, http, _, token) = try EndToEndTests.startServer()
        defer { server.stop(); server.removeDirectory() }
        let nginx = try Nginx(locationBlock: Self.block(backend: http.replacingOccurrences(of: "http://", with: "")))
        defer { nginx.stop() }

        let (ok, lines) = try Self.doctor(nginx.port, token, ["--publish-url", http], in: server.directory)
        #expect(ok == 0, "\(lines)")
        let upgrade = try #require(lines.first { $0.hasPrefix("✓ HTTP upgrade") })
        #expect(upgrade.hasPrefix("✓ HTTP upgrade: 101 Switching Protocols through nginx"), "\(upgrade)")
        #expect(upgrade.hasSuffix(": a proxy in front of wamp-push forwards WebSocket"))
        #expect(lines.contains("✓ publish: POST \(http)/internal/publish (from --publish-url) accepted by wamp-push, delivered to 1 session(s)"), "\(lines)")

        // Without --publish-url the publish goes to nginx (it serves only /wss here): named as such.
        let (failed, derived) = try Self.doctor(nginx.port, token, in: server.directory)
        #expect(failed == 1)
        let publish = try #require(derived.first { $0.hasPrefix("✗ publish") }, "\(derived)")
        #expect(publish.hasPrefix("✗ publish: this URL is not wamp-push: the publish went to nginx"), "\(publish)")
        #expect(publish.hasSuffix("(POST http://127.0.0.1:\(nginx.port)/internal/publish, derived from --url, answered 404 Not Found)"), "\(publish)")
        #expect(derived.contains { $0.contains("pass --publish-url http://<wamp-push>:8080") }, "\(derived)")
    }

    @Test func proxyWithoutUpgradeHeaders_isNamedFromWampPushs426() throws {
        let (server, http, _, token) = try EndToEndTests.startServer()
        defer { server.stop(); server.removeDirectory() }
        let block = try Self.block(backend: http.replacingOccurrences(of: "http://", with: "")) {
            $0.contains("Upgrade") || $0.contains("Connection")
        }
        let nginx = try Nginx(locationBlock: block)
        defer { nginx.stop() }
        let (status, lines) = try Self.doctor(nginx.port, token, in: server.directory)
        #expect(status == 1)
        let upgrade = try #require(lines.first { $0.hasPrefix("✗ HTTP upgrade") }, "\(lines)")
        #expect(upgrade.hasPrefix("✗ HTTP upgrade: 426 Upgrade Required from wamp-push through nginx"), "\(upgrade)")
        #expect(upgrade.hasSuffix(": wamp-push received a plain GET, the proxy does not forward WebSocket"), "\(upgrade)")
        #expect(lines.contains("  → the proxy does not forward WebSocket: it drops the Upgrade and Connection headers (nginx does unless told). Forward them, e.g. in nginx:"), "\(lines)")
        #expect(lines.contains("        proxy_set_header Connection \"upgrade\";"), "\(lines)")
    }

    @Test func closedUpstream_502_saysNginxCannotReachItBeforeTheBlock() throws {
        let (server, _, _, token) = try EndToEndTests.startServer()
        defer { server.stop(); server.removeDirectory() }
        let closed = closedLoopbackPort()
        let nginx = try Nginx(locationBlock: Self.block(backend: "127.0.0.1:\(closed)"))
        defer { nginx.stop() }
        let (status, lines) = try Self.doctor(nginx.port, token, in: server.directory)
        #expect(status == 1)
        let upgrade = try #require(lines.first { $0.hasPrefix("✗ HTTP upgrade") }, "\(lines)")
        #expect(upgrade.hasPrefix("✗ HTTP upgrade: 502 Bad Gateway from nginx"), "\(upgrade)")
        #expect(upgrade.hasSuffix(": nginx cannot reach its upstream"), "\(upgrade)")
        let hint = try #require(lines.firstIndex { $0.hasPrefix("  → nginx cannot reach its upstream: is wamp-push running? is proxy_pass the right host:port") }, "\(lines)")
        #expect(lines[hint].contains("nginx's error.log names the cause"))
        let block = try #require(lines.firstIndex { $0.contains("location /wss {") })
        #expect(hint < block)
    }

    @Test func http10Upstream_isNamedFromWampPushs400() throws {
        let (server, http, _, token) = try EndToEndTests.startServer()
        defer { server.stop(); server.removeDirectory() }
        let block = try Self.block(backend: http.replacingOccurrences(of: "http://", with: "")) { $0.contains("proxy_http_version") }
        let nginx = try Nginx(locationBlock: block)
        defer { nginx.stop() }
        let (status, lines) = try Self.doctor(nginx.port, token, in: server.directory)
        #expect(status == 1)
        let upgrade = try #require(lines.first { $0.hasPrefix("✗ HTTP upgrade") }, "\(lines)")
        #expect(upgrade.hasPrefix("✗ HTTP upgrade: 400 Bad Request from wamp-push through nginx"), "\(upgrade)")
        #expect(upgrade.hasSuffix(": wamp-push received the upgrade over HTTP/1.0, the proxy does not forward WebSocket"), "\(upgrade)")
        #expect(lines.contains { $0.contains("(nginx: add proxy_http_version 1.1)") }, "\(lines)")
    }
}
