import Dispatch
import Logging
import PushStore

/// Closes the live sessions of revoked tokens within a second, whoever revoked them: it polls
/// the `token_revocation` log (filled by triggers) twice a second on the store queue.
/// Its state belongs to the store queue: `lastSeen` is read and written only there, and `timer`
/// is set by `start` before its first tick and cancelled there by `stop`.
package final class RevocationWatcher: @unchecked Sendable {
    private let store: StoreService
    private let onRevoked: @Sendable (Set<String>) -> Void
    private let log: Logger
    /// Touched only on the store queue.
    private var lastSeen: Int64 = 0
    private var timer: DispatchSourceTimer?

    package init(store: StoreService, log: Logger, onRevoked: @escaping @Sendable (Set<String>) -> Void) {
        self.store = store
        self.log = log
        self.onRevoked = onRevoked
    }

    package func start() throws {
        try store.sync { db in lastSeen = try TokenStore(database: db).latestRevocation() }
        let timer = DispatchSource.makeTimerSource(queue: store.queue)
        timer.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500), leeway: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.poll() }
        timer.resume()
        self.timer = timer
    }

    package func stop() {
        store.queue.sync { timer?.cancel(); timer = nil }
    }

    private func poll() {
        do {
            let revoked = try store.withDatabaseOnQueue { db in try TokenStore(database: db).revocations(after: lastSeen) }
            guard let last = revoked.last else { return }
            lastSeen = last.seq
            onRevoked(Set(revoked.map(\.tokenHash)))
        } catch {
            log.error("revocation poll failed", metadata: ["error": "\(error)"])
        }
    }
}
