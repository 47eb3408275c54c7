import PushTransport
import Synchronization

/// A token bucket per source key (see `SourceAddressKey`): each key may spend `perMinute` tokens
/// at once and gets them back at `perMinute / 60` per second.
///
/// The table is bounded: at most `maxTrackedKeys` keys are remembered; when a new key arrives at
/// the cap, the key touched least recently is forgotten (it starts again with a full bucket if it
/// returns). A key not in the table has a full bucket, so nothing is stored for a key that has
/// only been looked at. Thread-safe: all state sits behind one `Mutex` (loop threads, the store
/// queue and command-runner threads call in); the clock is injected so tests can move time by hand.
package final class AddressRateLimiter: Sendable {
    /// Why a key may not spend now: seconds until it has a whole token again (at least 1).
    package struct Limited: Sendable, Equatable {
        package init(retryAfterSeconds: Int) {
            self.retryAfterSeconds = retryAfterSeconds
        }

        package let retryAfterSeconds: Int
    }

    private struct Bucket {
        package var tokens: Double
        package var updatedAt: Double
        /// Position in `order` of this key's latest touch.
        package var sequence: UInt64
    }

    private struct State {
        package var buckets: [String: Bucket] = [:]
        /// Touch log, oldest first; pairs whose sequence no longer matches the bucket are stale.
        package var order: [(key: String, sequence: UInt64)] = []
        package var orderHead = 0
        package var nextSequence: UInt64 = 0
    }

    package let perMinute: Int
    package let maxTrackedKeys: Int
    private let capacity: Double
    private let refillPerSecond: Double
    private let clock: @Sendable () -> Double
    private let state = Mutex(State())

    package init(perMinute: Int, maxTrackedKeys: Int = 16_384, clock: @escaping @Sendable () -> Double = MonotonicSeconds.now) {
        self.perMinute = max(1, perMinute)
        self.maxTrackedKeys = max(1, maxTrackedKeys)
        self.capacity = Double(self.perMinute)
        self.refillPerSecond = Double(self.perMinute) / 60
        self.clock = clock
    }

    /// Nil when `key` has a whole token left; otherwise when it will. Spends nothing.
    package func check(_ key: String) -> Limited? {
        let now = clock()
        return state.withLock { s in
            guard let bucket = s.buckets[key] else { return nil }
            return limited(refilled(bucket, now: now))
        }
    }

    /// Spends one token of `key`: nil when it was there, otherwise how long until one is.
    package func take(_ key: String) -> Limited? {
        let now = clock()
        return state.withLock { s in
            var bucket = s.buckets[key].map { refilled($0, now: now) } ?? Bucket(tokens: capacity, updatedAt: now, sequence: 0)
            let refusal = limited(bucket)
            if refusal == nil { bucket.tokens -= 1 }
            // A refused key is touched too: one that keeps knocking stays remembered.
            store(&s, key: key, bucket: bucket)
            return refusal
        }
    }

    /// Spends one token of `key` when there is one (a failure to record; never refuses).
    package func charge(_ key: String) { _ = take(key) }

    /// Keys remembered now (for tests and the bound).
    package var trackedKeys: Int { state.withLock { $0.buckets.count } }

    private func refilled(_ bucket: Bucket, now: Double) -> Bucket {
        var b = bucket
        // A clock that steps back (it should not: it is monotonic) refills nothing.
        b.tokens = min(capacity, b.tokens + max(0, now - b.updatedAt) * refillPerSecond)
        b.updatedAt = now
        return b
    }

    private func limited(_ bucket: Bucket) -> Limited? {
        guard bucket.tokens < 1 else { return nil }
        let seconds = ((1 - bucket.tokens) / refillPerSecond).rounded(.up)
        return Limited(retryAfterSeconds: max(1, Int(seconds)))
    }

    private func store(_ s: inout State, key: String, bucket: Bucket) {
        var bucket = bucket
        if s.buckets[key] == nil {
            // At the cap: forget the least recently touched keys (stale log pairs are skipped).
            while s.buckets.count >= maxTrackedKeys, s.orderHead < s.order.count {
                let (oldKey, sequence) = s.order[s.orderHead]
                s.orderHead += 1
                if s.buckets[oldKey]?.sequence == sequence { s.buckets[oldKey] = nil }
            }
        }
        bucket.sequence = s.nextSequence
        s.nextSequence &+= 1
        s.buckets[key] = bucket
        s.order.append((key, bucket.sequence))
        // Every touch appends; rebuild the log from the live keys once stale pairs (and the
        // consumed head) dominate, so the log stays within twice the table.
        if s.order.count > 2 * max(s.buckets.count, 16) {
            s.order = s.buckets.map { ($0.key, $0.value.sequence) }.sorted { $0.1 < $1.1 }
            s.orderHead = 0
        }
    }
}
