import Foundation
import PushClient
import Testing
import TestSupport

/// Help, mistyped command names and `WAMP_PUSH_*` variables, as a user meets them at the shell
/// (issue 14). Help goes to stdout with status 0; a mistake is one line on stderr.
@Suite(.serialized) struct CommandLineHelpTests {
    /// Runs the binary in a fresh directory, which it removes afterwards.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let dir = try makeTemporaryDirectory("wamp-push-cli-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try ServerProcess.run(arguments, in: dir, environment: environment)
    }

    @Test func rootHelp_everyForm_printsTheCommandList_andVersionStillPrints() throws {
        for arguments in [["--help"], ["-h"], ["help"]] {
            let (status, out, err) = try Self.run(arguments)
            #expect(status == 0, "\(arguments): \(err)")
            #expect(err.isEmpty, "\(arguments): \(err)")
            #expect(out.contains("USAGE: wamp-push <subcommand>"), "\(arguments): \(out)")
            #expect(out.contains("serve (default)") && out.contains("fake-upstream"), "\(arguments): \(out)")
        }
        let (status, out, err) = try Self.run(["--version"])
        #expect(status == 0 && err.isEmpty)
        #expect(out.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(out)")
    }

    /// `<command> --help`, `<command> -h` and `help <command>` each print that command's usage.
    @Test(arguments: [
        (["serve", "--help"], "wamp-push serve"), (["help", "serve"], "wamp-push serve"),
        (["token", "--help"], "wamp-push token <subcommand>"), (["help", "token"], "wamp-push token <subcommand>"),
        (["token", "create", "--help"], "wamp-push token create"), (["help", "token", "create"], "wamp-push token create"),
        (["token", "revoke", "-h"], "wamp-push token revoke"), (["publish", "-h"], "wamp-push publish --topic"),
        (["help", "subscribe"], "wamp-push subscribe"), (["doctor", "--help"], "wamp-push doctor"),
    ])
    func commandHelp_printsItsUsage_onStdout(_ arguments: [String], _ usage: String) throws {
        let (status, out, err) = try Self.run(arguments)
        #expect(status == 0, "\(err)")
        #expect(err.isEmpty, "\(err)")
        #expect(out.hasPrefix("OVERVIEW: "), "\(out)")
        #expect(out.contains("USAGE: " + usage), "\(out)")
    }

    /// Exit 64, as ArgumentParser's own usage errors, and one line instead of serve's usage.
    @Test(arguments: [
        (["publsh", "--topic", "x"], "wamp-push: unknown command 'publsh'; did you mean 'publish'?"),
        (["help", "publsh"], "wamp-push: unknown command 'publsh'; did you mean 'publish'?"),
        (["Serve"], "wamp-push: unknown command 'Serve'; did you mean 'serve'?"),
        (["tokn", "create", "--user", "a"], "wamp-push: unknown command 'tokn'; did you mean 'token'?"),
        (["token", "crate", "--user", "a"], "wamp-push: unknown command 'token crate'; did you mean 'token create'?"),
        (["frobnicate"], "wamp-push: unknown command 'frobnicate' "
            + "(commands: serve, token, publish, subscribe, fake-upstream, doctor, espo-config; see 'wamp-push --help')"),
    ])
    func mistypedCommand_isOneLine_withDidYouMean(_ arguments: [String], _ line: String) throws {
        let (status, out, err) = try Self.run(arguments)
        #expect(status == 64)
        #expect(out.isEmpty)
        #expect(err == line + "\n")
    }

    /// `token list` reads the same configuration as serve, and ends even where the check is missing.
    @Test func booleanVariable_withAnotherWord_isRefusedInOneLine() throws {
        let (status, _, err) = try Self.run(["token", "list", "--db", "t.sqlite"], environment: ["WAMP_PUSH_NO_TLS": "ture"])
        #expect(status == 1)
        #expect(CommandLineErrorTests.expectOneLine(err)
            == #"wamp-push: invalid config: WAMP_PUSH_NO_TLS: must be 1, true, yes or on, or 0, false, no or off (got "ture")"#)
    }

    /// The warning names the closest known variable, and the server serves anyway; `publish`,
    /// which reads WAMP_PUSH_PUBLISH_SECRET itself, warns too.
    @Test func unknownVariable_isWarnedAbout_andServingContinues() throws {
        let typo = ["WAMP_PUSH_PUBLISH_SECRT": "s3cret"]
        let warning = "wamp-push: warning: unknown environment variable WAMP_PUSH_PUBLISH_SECRT; did you mean WAMP_PUSH_PUBLISH_SECRET?"
        let server = try ServerProcess(arguments: ["serve", "--listen", "127.0.0.1:0", "--db", "data/e.sqlite"], environment: typo)
        defer { server.stop(); server.removeDirectory() }
        let listening = try #require(server.waitForLine(containing: "listening: http://"), "\(server.stderr)")
        let deadline = Date().addingTimeInterval(10) // stderr is read on its own handler: it may trail stdout
        while !server.stderr.contains(warning) && Date() < deadline { usleep(20_000) }
        #expect(server.stderr.split(separator: "\n").filter { $0.contains("WAMP_PUSH_") } == [Substring(warning)], "\(server.stderr)")

        let base = String(listening.split(separator: " ").last!.dropLast("/healthz".count))
        #expect(try HTTPClient(baseURL: base).request("GET", "/healthz").status == 200)
        let (status, _, err) = try ServerProcess.run(["publish", "--url", base, "--topic", "WhatsApp"],
                                                     in: server.directory, environment: typo)
        #expect(status == 0, "\(err)")
        #expect(err == warning + "\n")
    }
}
