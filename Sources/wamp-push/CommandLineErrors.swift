import ArgumentParser
import Foundation
import PushServer

/// How the CLI reports failure: one prefix, `wamp-push: `, always on stderr.
/// - a mistyped command line (parse or validate) keeps ArgumentParser's usage block: the user
///   needs it to type the command right;
/// - a mistyped command name is one line with "did you mean" (`UnknownCommand`), exit 64 like
///   every other usage error;
/// - a runtime failure (thrown from `run()`: a config that does not load, a database that will
///   not open, a refused connection) is exactly one line and no usage, which would only bury it.
enum CommandLineErrors {
    static func run(_ arguments: [String]) -> Never {
        if let complaint = UnknownCommand.check(arguments) {
            writeError("wamp-push: " + complaint)
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        var command: any ParsableCommand
        do {
            command = try WampPush.parseAsRoot(arguments)
        } catch {
            reportUsageError(error)
        }
        do {
            try command.run()
        } catch {
            reportRuntimeError(error)
        }
        Foundation.exit(0)
    }

    private static func reportUsageError(_ error: any Error) -> Never {
        let code = WampPush.exitCode(for: error)
        // --help and --version are "errors" that print to stdout with status 0.
        if code == .success { WampPush.exit(withError: error) }
        var text = WampPush.fullMessage(for: error)
        if text.hasPrefix("Error: ") { text = "wamp-push: " + text.dropFirst("Error: ".count) }
        writeError(text)
        Foundation.exit(code.rawValue)
    }

    private static func reportRuntimeError(_ error: any Error) -> Never {
        if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) } // the command already said why
        // `--help`, `help <command>` and `<command> --help` parse into ArgumentParser's help
        // command, whose run() throws the request: it prints the help on stdout and exits 0.
        if WampPush.exitCode(for: error) == .success { WampPush.exit(withError: error) }
        writeError("wamp-push: " + oneLine(error))
        Foundation.exit(1)
    }

    /// The error's own words on one line (a multi-line message is joined with "; ").
    static func oneLine(_ error: any Error) -> String {
        let text = (error as? ValidationError)?.message ?? String(describing: error)
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// One `wamp-push: warning: ` line per unknown `WAMP_PUSH_*` variable; the command goes on.
    static func warnAboutEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        for warning in ConfigLoader.environmentWarnings(environment) { writeError("wamp-push: warning: " + warning) }
    }

    private static func writeError(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}
