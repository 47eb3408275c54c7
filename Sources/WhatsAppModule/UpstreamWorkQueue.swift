import Foundation

/// Runs blocking upstream calls on its own small pool of threads, at most `limit` at a time; the
/// rest wait in arrival order, and the wait list is bounded so a hung upstream cannot pile up work.
///
/// Why threads and not a Dispatch queue: a call can block for the whole request timeout, and on
/// Linux blocked Dispatch workers starve the shared pool that the store queue, timers and
/// completions use (new workers are added only after about a second). Idle threads exit after
/// `idleSeconds`.
///
/// Confinement: every `var` is guarded by `condition`.
package final class UpstreamWorkQueue: @unchecked Sendable {
    package typealias Job = @Sendable () -> Void

    /// Calls that may run at the same time.
    package let limit: Int
    /// Calls that may wait for a free thread; `submit` refuses more.
    package let maxPending: Int
    private let idleSeconds: Double
    private let condition = NSCondition()
    private var pending: [Job] = []
    private var threads = 0
    private var idle = 0
    /// Jobs accepted and not yet finished (running or waiting).
    private var accepted = 0

    package init(limit: Int, maxPending: Int, idleSeconds: Double = 30) {
        self.limit = max(1, limit)
        self.maxPending = max(0, maxPending)
        self.idleSeconds = idleSeconds
    }

    /// Starts `job` as soon as a thread is free; false (and `job` is dropped) when the wait list is full.
    package func submit(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard accepted < limit + maxPending else { return false }
        accepted += 1
        pending.append(job)
        if pending.count > idle && threads < limit {
            threads += 1
            let thread = Thread { [self] in work() }
            thread.name = "wamp-push.upstream"
            thread.start()
        } else {
            condition.signal()
        }
        return true
    }

    /// One worker: runs jobs until none arrives for `idleSeconds`.
    private func work() {
        condition.lock()
        while true {
            while pending.isEmpty {
                idle += 1
                let woken = condition.wait(until: Date(timeIntervalSinceNow: idleSeconds))
                idle -= 1
                if !woken && pending.isEmpty {
                    threads -= 1
                    condition.unlock()
                    return
                }
            }
            let job = pending.removeFirst()
            condition.unlock()
            job()
            condition.lock()
            accepted -= 1
        }
    }
}
