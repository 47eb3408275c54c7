import Foundation
import Synchronization

/// What one external command produced.
public struct CommandResult: Sendable, Equatable {
    /// Exit code; `128 + signal` when a signal ended it (shell convention); nil when it never started.
    public var exitStatus: Int32?
    /// Standard output, at most `CommandRunner.outputLimit` bytes, decoded as UTF-8.
    public var stdout: String
    /// Standard error (at most `CommandRunner.outputLimit` bytes), or why the command could not start.
    public var stderr: String
    /// True when the runner killed the command because it outlived its timeout.
    public var timedOut: Bool

    /// Creates a result.
    public init(exitStatus: Int32?, stdout: String = "", stderr: String = "", timedOut: Bool = false) {
        self.exitStatus = exitStatus
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }
}

/// Runs `/bin/sh -c` commands on its own threads, never on the caller's, at most `maxConcurrent` at once.
///
/// Each running command owns one dedicated thread (it blocks in `poll`/`waitpid`), so the server's
/// Dispatch queues and the global pool are never tied up. Requests beyond the limit wait in FIFO order;
/// beyond `maxQueued` waiting ones they are refused at once, so a flood cannot grow memory or latency.
public final class CommandRunner: Sendable {
    /// The most bytes kept from each of stdout and stderr; the rest is read and discarded.
    public static let outputLimit = 64 * 1024

    private struct Job: Sendable {
        package let command: String
        package let workingDirectory: String?
        package let timeout: Double
        package let completion: @Sendable (CommandResult) -> Void
    }

    /// Commands running now and the requests waiting for one of them to finish.
    private struct RunQueue {
        package var running = 0
        package var waiting: [Job] = []
        package var head = 0

        package mutating func popWaiting() -> Job? {
            guard head < waiting.count else { return nil }
            let job = waiting[head]
            head += 1
            // Compact now and then so a long-lived queue does not grow without bound.
            if head >= 64 && head * 2 >= waiting.count {
                waiting.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    private let maxConcurrent: Int
    private let maxQueued: Int
    private let runQueue = Mutex(RunQueue())
    private let spawner = ShellSpawner()

    /// Creates a runner allowing `maxConcurrent` (at least 1) processes at the same time and
    /// `maxQueued` requests waiting for one of them to finish.
    public init(maxConcurrent: Int = 8, maxQueued: Int = 1_000) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxQueued = max(0, maxQueued)
    }

    /// Runs `/bin/sh -c shellCommand` in `workingDirectory`, killing its process group after `timeout`
    /// seconds; `completion` is called once, on a runner thread (on the caller's when refused as queue-full).
    public func run(shellCommand: String, workingDirectory: String?, timeout: Double,
                    completion: @escaping @Sendable (CommandResult) -> Void) {
        let job = Job(command: shellCommand, workingDirectory: workingDirectory, timeout: timeout, completion: completion)
        enum Admission { case start, queued, refused }
        let admission = runQueue.withLock { state -> Admission in
            if state.running < maxConcurrent {
                state.running += 1
                return .start
            }
            guard state.waiting.count - state.head < maxQueued else { return .refused }
            state.waiting.append(job)
            return .queued
        }
        switch admission {
        case .start: startWorker(with: job)
        case .queued: break
        case .refused:
            completion(CommandResult(exitStatus: nil, stderr: "too many commands waiting (limit \(maxQueued))"))
        }
    }

    /// Runs a command and waits for its result; for tests and the CLI, never for an event loop.
    public func runSync(shellCommand: String, workingDirectory: String?, timeout: Double) -> CommandResult {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<CommandResult?>(nil)
        run(shellCommand: shellCommand, workingDirectory: workingDirectory, timeout: timeout) { result in
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return box.withLock { $0 } ?? CommandResult(exitStatus: nil, stderr: "no result")
    }

    /// How many commands are running now (for tests and diagnostics).
    public var runningCount: Int { runQueue.withLock { $0.running } }

    private func startWorker(with first: Job) {
        let thread = Thread { [self] in
            var job = first
            while true {
                let result = spawner.execute(command: job.command, workingDirectory: job.workingDirectory,
                                             timeout: job.timeout)
                // Hand the freed place on before the completion runs, so a slow completion delays no one.
                let next = runQueue.withLock { state -> Job? in
                    if let next = state.popWaiting() { return next }
                    state.running -= 1
                    return nil
                }
                job.completion(result)
                guard let next else { return }
                job = next
            }
        }
        thread.name = "wamp-push.command"
        thread.start()
    }
}
