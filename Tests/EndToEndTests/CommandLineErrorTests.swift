import Foundation
import Testing
import TestSupport

/// The CLI's failures as a user sees them (issue 11): one line, one `wamp-push: ` prefix, no
/// usage block after a runtime error, the operating system's reason, "did you mean".
@Suite(.serialized) struct CommandLineErrorTests {
    /// Runs the binary as an unprivileged user when the tests run as root, so file permissions
    /// apply (root reads and writes through them).
    static func runUnprivileged(_ arguments: [String], in directory: String) throws -> (Int32, String, String) {
        guard geteuid() == 0 else { return try ServerProcess.run(arguments, in: directory) }
        return try ServerProcess.runToEnd("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", ServerProcess.binary] + arguments, in: directory)
    }

    static var canDropPrivileges: Bool { geteuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") }

    /// Exactly one line on stderr, with the prefix and without a usage block.
    static func expectOneLine(_ stderr: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(stderr)", sourceLocation: sourceLocation)
        #expect(stderr.hasPrefix("wamp-push: "), "\(stderr)", sourceLocation: sourceLocation)
        #expect(!stderr.contains("Usage:") && !stderr.contains("Error:"), "\(stderr)", sourceLocation: sourceLocation)
        return String(lines.first ?? "")
    }

    @Test func typoedConfigKey_isOneLineWithDidYouMean() throws {
        let dir = try makeTemporaryDirectory("wamp-push-cli-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"listners":[{"address":"127.0.0.1:0"}]}"#.write(toFile: dir + "/c.json", atomically: true, encoding: .utf8)
        try #"{"limits":{"maxFrameByte":1000}}"#.write(toFile: dir + "/d.json", atomically: true, encoding: .utf8)
        let (status, _, err) = try ServerProcess.run(["serve", "--config", "c.json"], in: dir)
        #expect(status == 1)
        #expect(Self.expectOneLine(err).hasPrefix(#"wamp-push: invalid config: listners: unknown key (did you mean "listeners"?) (allowed here: "#))
        let (nested, _, err2) = try ServerProcess.run(["serve", "--config", "d.json"], in: dir)
        #expect(nested == 1)
        #expect(Self.expectOneLine(err2).contains(#"limits.maxFrameByte: unknown key (did you mean "maxFrameBytes"?)"#))
    }

    @Test func unreadableConfigFile_namesTheReason() throws {
        let dir = try makeTemporaryDirectory("wamp-push-cli-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (missing, _, e1) = try ServerProcess.run(["serve", "--config", "nope.json"], in: dir)
        #expect(missing == 1)
        #expect(Self.expectOneLine(e1) == "wamp-push: invalid config: cannot read config file nope.json: No such file or directory")
        try FileManager.default.createDirectory(atPath: dir + "/conf.d", withIntermediateDirectories: true)
        let (directory, _, e2) = try ServerProcess.run(["serve", "--config", "conf.d"], in: dir)
        #expect(directory == 1)
        #expect(Self.expectOneLine(e2) == "wamp-push: invalid config: cannot read config file conf.d: Is a directory")
    }

    @Test(.enabled(if: canDropPrivileges, "running as root without setpriv: permissions cannot be tested"))
    func unreadableConfigFile_saysPermissionDenied() throws {
        let dir = try makeTemporaryDirectory("wamp-push-cli-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{}".write(toFile: dir + "/secret.json", atomically: true, encoding: .utf8)
        chmod(dir + "/secret.json", 0o000)
        let (status, _, err) = try Self.runUnprivileged(["serve", "--config", "secret.json"], in: dir)
        #expect(status == 1)
        #expect(Self.expectOneLine(err) == "wamp-push: invalid config: cannot read config file secret.json: Permission denied")
    }

    @Test(.enabled(if: canDropPrivileges, "running as root without setpriv: permissions cannot be tested"))
    func readOnlyDataDirectory_isOneLine() throws {
        let dir = try makeTemporaryDirectory("wamp-push-cli-")
        defer { chmod(dir + "/ro", 0o755); try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/ro", withIntermediateDirectories: true)
        chmod(dir + "/ro", 0o555)
        let (s1, _, e1) = try Self.runUnprivileged(["serve", "--listen", "127.0.0.1:0", "--db", "ro/sub/x.sqlite"], in: dir)
        #expect(s1 == 1)
        #expect(Self.expectOneLine(e1) == "wamp-push: cannot open database ro/sub/x.sqlite: cannot create directory ro/sub: Permission denied")
        let (s2, _, e2) = try Self.runUnprivileged(["token", "create", "--user", "a", "--db", "ro/x.sqlite"], in: dir)
        #expect(s2 == 1)
        #expect(Self.expectOneLine(e2) == "wamp-push: cannot open database ro/x.sqlite: directory ro is not writable: Permission denied")
    }

    @Test func usageError_keepsTheUsage_underTheSamePrefix() throws {
        let dir = try makeTemporaryDirectory("wamp-push-cli-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, _, err) = try ServerProcess.run(["doctor", "--url", "ws://127.0.0.1:1/wss"], in: dir)
        #expect(status == 64)
        #expect(err.hasPrefix("wamp-push: Missing expected argument '--user <user>'"), "\(err)")
        #expect(err.contains("Usage: wamp-push doctor"))
    }

    @Test func topicOffByCase_publishAndSubscribeSayDidYouMean() throws {
        let (server, http, _, token) = try EndToEndTests.startServer()
        defer { server.stop(); server.removeDirectory() }
        let (status, _, err) = try ServerProcess.run(["publish", "--url", http, "--topic", "Whatsapp"], in: server.directory)
        #expect(status == 1)
        #expect(Self.expectOneLine(err)
            == "wamp-push: publish refused (422 unknown_topic): Topic 'Whatsapp' is not in a declared category. Did you mean 'WhatsApp'?")

        // The server ignores a subscription to an undeclared topic: subscribe says so.
        let ws = http.replacingOccurrences(of: "http://", with: "ws://") + "/wss"
        let (s2, out, _) = try ServerProcess.run(["subscribe", "--url", ws, "--user", "admin", "--token", token,
                                                  "--topic", "whatsapp", "--topic", "WhatsApp.1@c.us", "--seconds", "0.2"], in: server.directory)
        #expect(s2 == 0)
        #expect(out.contains("warning: the server ignores subscriptions to undeclared topics, and whatsapp is not declared "
            + #"(did you mean "WhatsApp"?); declared: WhatsApp, appParamsUpdate, "#), "\(out)")
        #expect(!out.contains("subscribed: whatsapp"))
        #expect(out.contains("subscribed: WhatsApp.1@c.us"))
    }
}
