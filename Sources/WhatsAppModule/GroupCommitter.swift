import Dispatch
import PushStore
import Synchronization

/// Commits many small writes in one transaction, so concurrent webhooks share one fsync
/// instead of waiting for one each (group commit). Runs on the store queue, never on a loop.
///
/// The first write to arrive schedules a drain on the store queue; everything that arrives
/// until that drain starts (in particular while the previous transaction is syncing) is
/// committed together. Each write's completion runs after its transaction committed, so a
/// `200` sent from it means the row is durable.
package final class GroupCommitter: Sendable {
    /// Runs the write and returns what to call once it is durable.
    private typealias Work = @Sendable (Database) throws -> (@Sendable () -> Void)

    private struct Pending: Sendable {
        package let work: Work
        package let fail: @Sendable (any Error) -> Void
    }

    private let store: StoreService
    private let pending = Mutex<(items: [Pending], scheduled: Bool)>(([], false))
    private let maxBatch: Int
    private let batches = Atomic<Int>(0)

    package init(store: StoreService, maxBatch: Int = 512) {
        self.store = store
        self.maxBatch = maxBatch
    }

    /// Transactions committed so far (for tests and the benchmark).
    package var batchCount: Int { batches.load(ordering: .relaxed) }

    /// Runs `work` inside a shared transaction; `done` gets its result after the commit.
    package func submit<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T,
                             done: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let item = Pending(work: { db in
            let value = try work(db)
            return { done(.success(value)) }
        }, fail: { done(.failure($0)) })
        let schedule = pending.withLock { state -> Bool in
            state.items.append(item)
            if state.scheduled { return false }
            state.scheduled = true
            return true
        }
        if schedule { store.queue.async { self.drain() } }
    }

    private func drain() {
        let (batch, more) = pending.withLock { state -> ([Pending], Bool) in
            let take = Array(state.items.prefix(maxBatch))
            state.items.removeFirst(take.count)
            if state.items.isEmpty { state.scheduled = false }
            return (take, !state.items.isEmpty)
        }
        // More than one batch waiting: the rest goes in the next turn of the store queue.
        if more { store.queue.async { self.drain() } }
        guard !batch.isEmpty else { return }
        batches.add(1, ordering: .relaxed)
        // One transaction for the batch; a failing item is retried alone so it cannot take the
        // others down with it.
        var failed: [Int: any Error] = [:]
        var completions: [@Sendable () -> Void] = []
        do {
            try store.withDatabaseOnQueue { db in
                try db.inTransaction {
                    for (i, item) in batch.enumerated() {
                        do { completions.append(try item.work(db)) } catch { failed[i] = error }
                    }
                    if !failed.isEmpty { throw GroupCommitRetry() }
                }
            }
            for complete in completions { complete() }
            return
        } catch is GroupCommitRetry {
            // fall through: commit the good ones one by one
        } catch {
            for item in batch { item.fail(error) }
            return
        }
        for (i, item) in batch.enumerated() {
            if let error = failed[i] { item.fail(error); continue }
            do {
                let complete = try store.withDatabaseOnQueue { db in try db.inTransaction { try item.work(db) } }
                complete()
            } catch {
                item.fail(error)
            }
        }
    }
}

private struct GroupCommitRetry: Error {}
