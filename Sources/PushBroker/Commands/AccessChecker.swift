import Foundation
import PushTransport

/// Runs a category's `accessCheckCommand` as EspoCRM does: `:userId` and the topic's parameters
/// substituted (shell-quoted), admitted when the command exits 0 and prints exactly `true`.
///
/// Decisions are cached briefly per final command line; concurrent identical checks share one process.
public final class AccessChecker: Sendable {
    /// A cached decision; failures are kept apart so they can expire sooner than real answers.
    package enum Decision: Sendable, Equatable {
        case allowed
        case denied
        case failed
        /// Not checked: the runner's queue (or this user's share of it) was full. Never cached.
        case unavailable
    }

    private let commandPrefix: String?
    private let workingDirectory: String?
    private let timeoutSeconds: Double
    private let runner: CommandRunner
    private let cacheSeconds: Double
    private let cache: SingleFlightCache<String, Decision>

    /// Creates a checker running `<commandPrefix> <command>` (EspoCRM: prefix `php command.php`) in `workingDirectory`.
    public init(commandPrefix: String?, workingDirectory: String?, timeoutSeconds: Double, cacheSeconds: Double = 10,
                runner: CommandRunner,
                clock: @escaping @Sendable () -> Double = MonotonicSeconds.now) {
        self.commandPrefix = commandPrefix
        self.workingDirectory = workingDirectory
        self.timeoutSeconds = timeoutSeconds
        self.runner = runner
        self.cacheSeconds = cacheSeconds
        self.cache = SingleFlightCache(ttl: cacheSeconds, clock: clock)
    }

    /// Decides whether `userId` may subscribe to a topic with `params`; `completion` may run on any thread.
    public func check(command template: String, userId: String, params: [String: String],
                      completion: @escaping @Sendable (Bool) -> Void) {
        decide(command: template, userId: userId, params: params) { completion($0 == .allowed) }
    }

    /// Like `check`, telling a denial from a check that could not run (`.unavailable`). Waiting
    /// checks are served round robin by user, so one user's backlog does not hold up another's.
    package func decide(command template: String, userId: String, params: [String: String],
                        completion: @escaping @Sendable (Decision) -> Void) {
        let commandLine = self.commandLine(template: template, userId: userId, params: params)
        let (directory, timeout, runner, seconds) = (workingDirectory, timeoutSeconds, runner, cacheSeconds)
        cache.value(
            for: commandLine,
            timeToLive: { decision in
                switch decision {
                case .unavailable: 0
                case .failed: min(seconds, ExternalTokenVerifier.failureCacheSeconds)
                case .allowed, .denied: seconds
                }
            },
            compute: { deliver in
                runner.run(shellCommand: commandLine, workingDirectory: directory, timeout: timeout, fairnessKey: userId) { result in
                    deliver(Self.decision(of: result))
                }
            },
            completion: completion)
    }

    /// How many times a check command was started (for tests and diagnostics).
    public var commandRuns: Int { cache.computeCount }

    /// The final shell command line; `userId` overrides a topic parameter of the same name.
    package func commandLine(template: String, userId: String, params: [String: String]) -> String {
        var values = params
        values["userId"] = userId
        let command = ShellEscape.substitute(template, values)
        guard let prefix = commandPrefix?.trimmingCharacters(in: .whitespaces), !prefix.isEmpty else { return command }
        return prefix + " " + command
    }

    package static func decision(of result: CommandResult) -> Decision {
        if result.refused { return .unavailable }
        if result.timedOut || result.exitStatus == nil { return .failed }
        guard result.exitStatus == 0 else { return .denied }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "true" ? .allowed : .denied
    }
}
