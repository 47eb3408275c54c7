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
    /// True when the runner never started it: too many commands were waiting.
    public var refused: Bool

    /// Creates a result.
    public init(exitStatus: Int32?, stdout: String = "", stderr: String = "", timedOut: Bool = false, refused: Bool = false) {
        self.exitStatus = exitStatus
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
        self.refused = refused
    }
}

/// Runs `/bin/sh -c` commands on its own threads, never on the caller's, at most `maxConcurrent` at once.
///
/// Each running command owns one dedicated thread (it blocks in `poll`/`waitpid`), so the server's
/// Dispatch queues and the global pool are never tied up. Requests beyond the limit wait, FIFO per
/// fairness key and round robin across keys; beyond `maxQueued` waiting ones (or `maxQueuedPerKey`
/// for one key) they are refused at once, so a flood cannot grow memory or latency, nor make
/// another key wait behind it.
public final class CommandRunner: Sendable {
    /// The most bytes kept from each of stdout and stderr; the rest is read and discarded.
    public static let outputLimit = 64 * 1024

    private struct Job: Sendable {
        package let command: String
        package let workingDirectory: String?
        package let timeout: Double
        package let completion: @Sendable (CommandResult) -> Void
    }

    /// Commands running now and the jobs waiting for one of them to finish. Waiting jobs sit in
    /// one FIFO queue per fairness key (a user), and a finished command's thread takes the head of
    /// the next non-empty queue in turn (round robin), so one key with a long backlog delays
    /// another key's job by at most one job per key ahead of it.
    private struct RunQueue {
        package var running = 0
        package var waiting = 0
        package var queues: [String: [Job]] = [:]
        /// Keys with waiting jobs, in serving order; `cursor` is the next one to serve.
        package var ring: [String] = []
        package var cursor = 0

        package func queued(for key: String) -> Int { queues[key]?.count ?? 0 }

        package mutating func append(_ job: Job, key: String) {
            if queues[key] == nil { ring.append(key) }
            queues[key, default: []].append(job)
            waiting += 1
        }

        package mutating func popWaiting() -> Job? {
            guard !ring.isEmpty else { return nil }
            if cursor >= ring.count { cursor = 0 }
            let key = ring[cursor]
            // At most `maxQueuedPerKey` jobs per queue, so removing the first is cheap enough.
            let job = queues[key]!.removeFirst()
            waiting -= 1
            if queues[key]!.isEmpty {
                queues[key] = nil
                ring.remove(at: cursor)
            } else {
                cursor += 1
            }
            return job
        }
    }

    private let maxConcurrent: Int
    private let maxQueued: Int
    private let maxQueuedPerKey: Int
    private let runQueue = Mutex(RunQueue())
    private let spawner = ShellSpawner()

    /// Creates a runner allowing `maxConcurrent` (at least 1) processes at the same time,
    /// `maxQueued` requests waiting for a running command to finish, and at most `maxQueuedPerKey` of them with the
    /// same fairness key.
    public init(maxConcurrent: Int = 8, maxQueued: Int = 1_000, maxQueuedPerKey: Int = .max) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxQueued = max(0, maxQueued)
        self.maxQueuedPerKey = max(0, maxQueuedPerKey)
    }

    /// Runs `/bin/sh -c shellCommand` in `workingDirectory`, killing its process group after `timeout`
    /// seconds; `completion` is called once, on a runner thread (on the caller's when refused as
    /// queue-full, with `refused` set). Waiting requests are served round robin by `fairnessKey`.
    public func run(shellCommand: String, workingDirectory: String?, timeout: Double, fairnessKey: String = "",
                    completion: @escaping @Sendable (CommandResult) -> Void) {
        let job = Job(command: shellCommand, workingDirectory: workingDirectory, timeout: timeout, completion: completion)
        enum Admission { case start, queued, refused(String) }
        let admission = runQueue.withLock { state -> Admission in
            if state.running < maxConcurrent {
                state.running += 1
                return .start
            }
            guard state.waiting < maxQueued else { return .refused("limit \(maxQueued)") }
            guard state.queued(for: fairnessKey) < maxQueuedPerKey else { return .refused("limit \(maxQueuedPerKey) per user") }
            state.append(job, key: fairnessKey)
            return .queued
        }
        switch admission {
        case .start: startWorker(with: job)
        case .queued: break
        case .refused(let limit):
            completion(CommandResult(exitStatus: nil, stderr: "too many commands waiting (\(limit))", refused: true))
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
