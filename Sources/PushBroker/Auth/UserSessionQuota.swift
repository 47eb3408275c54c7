import Synchronization

/// Open WAMP sessions per user, across every event loop (`limits.maxSessionsPerUser`).
///
/// A reservation is taken when the upgrade is decided (before the 101); the session made at the
/// 101 takes it over (`handOver()`) and gives the count back when it closes or, never opened, when
/// it is freed. If no session was made (the connection died between the decision and the 101),
/// the reservation gives it back itself when ARC frees it. So no close path can leak a count.
/// One `Mutex` over a map of users with at least one open session: a handshake or a close costs
/// one lock, whichever loop it runs on.
package final class UserSessionQuota: Sendable {
    /// 0 means no cap (sessions are still counted).
    package let maxPerUser: Int
    private let open = Mutex<[String: Int]>([:])

    package init(maxPerUser: Int) { self.maxPerUser = max(0, maxPerUser) }

    /// A reservation for one more session of `userId`, or nil when the user is at the cap.
    package func reserve(_ userId: String) -> Reservation? {
        let admitted = open.withLock { counts -> Bool in
            let current = counts[userId, default: 0]
            if maxPerUser > 0 && current >= maxPerUser { return false }
            counts[userId] = current + 1
            return true
        }
        return admitted ? Reservation(quota: self, userId: userId) : nil
    }

    /// Sessions `userId` holds now (for tests and diagnostics).
    package func sessions(of userId: String) -> Int { open.withLock { $0[userId] ?? 0 } }

    /// Users with at least one session (the map never holds zeros).
    package var users: Int { open.withLock { $0.count } }

    /// Gives back one session of `userId`: for the holder of a reservation's `handOver()`.
    package func releaseSession(of userId: String) {
        open.withLock { counts in
            guard let current = counts[userId] else { return }
            counts[userId] = current > 1 ? current - 1 : nil
        }
    }

    /// One reserved session; `release()` is idempotent and also runs when the reservation is freed
    /// before `handOver()`.
    package final class Reservation: Sendable {
        package let userId: String
        package let quota: UserSessionQuota
        private let released = Atomic<Bool>(false)

        fileprivate init(quota: UserSessionQuota, userId: String) {
            self.quota = quota
            self.userId = userId
        }

        package func release() {
            guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
            quota.releaseSession(of: userId)
        }

        /// Ends this reservation without giving the session back: the caller now holds it and
        /// must call `quota.releaseSession(of: userId)` exactly once (a session keeps the count
        /// for its whole life, and this object would cost it 64 bytes). False if already released.
        package func handOver() -> Bool {
            !released.exchange(true, ordering: .acquiringAndReleasing)
        }

        deinit { release() }
    }
}
