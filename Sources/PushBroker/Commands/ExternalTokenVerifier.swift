import Foundation
import PushStore
import PushTransport

/// Asks an external command who owns a token, as EspoCRM's Pusher runs `php command.php AuthTokenCheck`.
///
/// Answers are cached per token and concurrent checks of one token share a single process, so a
/// reconnect storm of browser tabs forks once. Tokens never appear in outcomes or error strings.
public final class ExternalTokenVerifier: Sendable {
    /// What the command said about a token.
    public enum Outcome: Sendable, Equatable {
        /// The command printed this user id: the token's owner.
        case user(String)
        /// Empty output or a non-zero exit: the command does not know the token.
        case unknown
        /// The command could not answer (timeout, could not start); not admitted, cached ≤ 1 s.
        case failed(String)
        /// No answer: the token needed a new run and the caller's budget allowed none
        /// (`mayStart` said no); nothing was started or cached.
        case spawnRefused

        /// True when the token belongs to `userId`.
        public func admits(userId: String) -> Bool {
            if case .user(let owner) = self { return !owner.isEmpty && owner == userId }
            return false
        }
    }

    /// Failures are transient (a slow CRM, a full process table): retry soon rather than lock users out.
    package static let failureCacheSeconds = 1.0

    private let commandTemplate: String
    private let workingDirectory: String?
    private let timeoutSeconds: Double
    private let runner: CommandRunner
    private let cache: SingleFlightCache<String, Outcome>
    private let cacheSeconds: Double

    /// Creates a verifier for a template containing `:token` (e.g. `php command.php AuthTokenCheck :token`).
    public init(commandTemplate: String, workingDirectory: String?, cacheSeconds: Double, timeoutSeconds: Double,
                runner: CommandRunner,
                clock: @escaping @Sendable () -> Double = MonotonicSeconds.now) {
        self.commandTemplate = commandTemplate
        self.workingDirectory = workingDirectory
        self.timeoutSeconds = timeoutSeconds
        self.runner = runner
        self.cacheSeconds = cacheSeconds
        self.cache = SingleFlightCache(ttl: cacheSeconds, clock: clock)
    }

    /// Reports the owner of `token`, from the cache or by running the command once for all concurrent askers.
    /// `mayStart`, when given, is asked (synchronously, under the cache's lock: it must not call
    /// back into this verifier) only when a process would really start; cache hits and joins of a
    /// running check never spend from it.
    public func verify(token: String, mayStart: (() -> Bool)? = nil, completion: @escaping @Sendable (Outcome) -> Void) {
        let cleaned = Self.strip(token)
        // EspoCRM refuses an empty token before running anything; so do we.
        guard !cleaned.isEmpty else {
            completion(.unknown)
            return
        }
        let command = ShellEscape.substitute(commandTemplate, ["token": cleaned])
        let (directory, timeout, runner) = (workingDirectory, timeoutSeconds, runner)
        let positiveSeconds = cacheSeconds
        cache.value(
            for: cleaned,
            timeToLive: { outcome in
                if case .failed = outcome { return min(positiveSeconds, Self.failureCacheSeconds) }
                return positiveSeconds
            },
            mayStart: mayStart, refused: .spawnRefused,
            compute: { deliver in
                runner.run(shellCommand: command, workingDirectory: directory, timeout: timeout) { result in
                    deliver(Self.outcome(of: result, timeout: timeout))
                }
            },
            completion: completion)
    }

    /// Forgets the cached answer for `token` (e.g. after the CRM logged it out).
    public func invalidate(token: String) {
        cache.invalidate(Self.strip(token))
    }

    /// How many times the command was started (for tests and diagnostics).
    public var commandRuns: Int { cache.computeCount }

    /// Keeps only `[A-Za-z0-9-]`, EspoCRM's own rule for tokens in the handshake.
    package static func strip(_ token: String) -> String { TokenStore.strip(token) }

    /// Maps a run to an outcome; messages describe the failure only, never the command line.
    package static func outcome(of result: CommandResult, timeout: Double) -> Outcome {
        if result.timedOut { return .failed("verify command timed out after \(timeout) s") }
        guard let status = result.exitStatus else {
            return .failed("verify command could not run: \(result.stderr.prefix(200))")
        }
        guard status == 0 else { return .unknown }
        let owner = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return owner.isEmpty ? .unknown : .user(owner)
    }
}
