import Dispatch
import PushTransport
import Synchronization

/// A TTL cache whose misses are computed once: concurrent requests for the same key share one
/// computation (single-flight), which is what keeps a reconnect storm from forking per attempt.
///
/// Hits complete on the caller's thread before `value(for:)` returns; misses complete on whatever
/// thread the computation reports on. All state sits behind one `Mutex`; callbacks run outside it.
public final class SingleFlightCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        package let value: Value
        package let expiresAt: Double
        package let sequence: UInt64
    }

    /// What a lookup decided under the lock.
    private enum Step { case hit(Value), joined, start(UInt64), refused }

    private struct State {
        package var entries: [Key: Entry] = [:]
        /// Insertion order for eviction; stale pairs (overwritten or removed keys) are skipped lazily.
        package var order: [(key: Key, sequence: UInt64)] = []
        package var orderHead = 0
        package var nextSequence: UInt64 = 0
        /// Key → id of the computation new requests should join.
        package var flightByKey: [Key: UInt64] = [:]
        package var waitersByFlight: [UInt64: [@Sendable (Value) -> Void]] = [:]
        package var nextFlight: UInt64 = 0
        package var computeCount = 0
    }

    private let ttl: Double
    private let negativeTTL: Double
    private let maxEntries: Int
    private let clock: @Sendable () -> Double
    private let state = Mutex(State())

    /// Creates a cache keeping positive values `ttl` seconds and negative ones `negativeTTL`
    /// (default: `ttl`), holding at most `maxEntries` (oldest evicted first).
    public init(ttl: Double, negativeTTL: Double? = nil, maxEntries: Int = 10_000,
                clock: @escaping @Sendable () -> Double = MonotonicSeconds.now) {
        self.ttl = ttl
        self.negativeTTL = negativeTTL ?? ttl
        self.maxEntries = max(1, maxEntries)
        self.clock = clock
    }

    /// Delivers the cached value for `key`, or computes it once for all concurrent askers and caches
    /// it for `ttl` (when `isPositive`) or `negativeTTL`.
    public func value(for key: Key, isPositive: @escaping @Sendable (Value) -> Bool,
                      compute: @escaping @Sendable (@escaping @Sendable (Value) -> Void) -> Void,
                      completion: @escaping @Sendable (Value) -> Void) {
        let ttl = self.ttl, negativeTTL = self.negativeTTL
        value(for: key, timeToLive: { isPositive($0) ? ttl : negativeTTL }, compute: compute, completion: completion)
    }

    /// Like `value(for:isPositive:compute:completion:)` with the lifetime chosen per value;
    /// a lifetime of 0 or less shares the computation with concurrent askers but caches nothing.
    public func value(for key: Key, timeToLive: @escaping @Sendable (Value) -> Double,
                      compute: @escaping @Sendable (@escaping @Sendable (Value) -> Void) -> Void,
                      completion: @escaping @Sendable (Value) -> Void) {
        value(for: key, timeToLive: timeToLive, mayStart: nil, refused: nil, compute: compute, completion: completion)
    }

    /// Like `value(for:timeToLive:compute:completion:)`, but a miss that would start a new
    /// computation first asks `mayStart` (under the cache's lock, so it must not call back into
    /// the cache); when it says no, `refused` is delivered and nothing is started or cached.
    /// Hits and joins of a running computation never ask: they cost nothing.
    public func value(for key: Key, timeToLive: @escaping @Sendable (Value) -> Double,
                      mayStart: (() -> Bool)?, refused: Value?,
                      compute: @escaping @Sendable (@escaping @Sendable (Value) -> Void) -> Void,
                      completion: @escaping @Sendable (Value) -> Void) {
        let now = clock()
        let step = state.withLock { s -> Step in
            if let entry = s.entries[key] {
                if entry.expiresAt > now { return .hit(entry.value) }
                s.entries[key] = nil
            }
            if let flight = s.flightByKey[key] {
                s.waitersByFlight[flight, default: []].append(completion)
                return .joined
            }
            if let mayStart, refused != nil, !mayStart() { return .refused }
            let flight = s.nextFlight
            s.nextFlight &+= 1
            s.flightByKey[key] = flight
            s.waitersByFlight[flight] = [completion]
            s.computeCount += 1
            return .start(flight)
        }
        switch step {
        case .hit(let value):
            completion(value)
        case .joined:
            break
        case .refused:
            if let refused { completion(refused) }
        case .start(let flight):
            compute { [self] value in finish(key: key, flight: flight, value: value, lifetime: timeToLive(value)) }
        }
    }

    /// Forgets `key`; a computation already running for it still answers its waiters but is not cached.
    public func invalidate(_ key: Key) {
        state.withLock { s in
            s.entries[key] = nil
            s.flightByKey[key] = nil
        }
    }

    /// Forgets every key matching `predicate` (called under the lock: it must not call back into the cache).
    public func invalidateAll(where predicate: (Key) -> Bool) {
        state.withLock { s in
            for key in s.entries.keys where predicate(key) { s.entries[key] = nil }
            for key in s.flightByKey.keys where predicate(key) { s.flightByKey[key] = nil }
        }
    }

    /// How many computations were started (for tests).
    public var computeCount: Int { state.withLock { $0.computeCount } }

    /// How many values are cached, expired ones included until they are touched (for tests).
    public var count: Int { state.withLock { $0.entries.count } }

    private func finish(key: Key, flight: UInt64, value: Value, lifetime: Double) {
        let now = clock()
        let waiters = state.withLock { s -> [@Sendable (Value) -> Void] in
            // A second report from the same computation finds no waiters and changes nothing.
            guard let waiters = s.waitersByFlight.removeValue(forKey: flight) else { return [] }
            // Cache only if this computation was not invalidated (or superseded) meanwhile.
            if s.flightByKey[key] == flight {
                s.flightByKey[key] = nil
                if lifetime > 0 { Self.store(&s, key: key, value: value, expiresAt: now + lifetime, limit: maxEntries) }
            }
            return waiters
        }
        for waiter in waiters { waiter(value) }
    }

    private static func store(_ s: inout State, key: Key, value: Value, expiresAt: Double, limit: Int) {
        if s.entries[key] == nil {
            // Full: drop the oldest insertions (stale log pairs are skipped) until there is room.
            while s.entries.count >= limit, s.orderHead < s.order.count {
                let (oldKey, sequence) = s.order[s.orderHead]
                s.orderHead += 1
                if s.entries[oldKey]?.sequence == sequence { s.entries[oldKey] = nil }
            }
        }
        let sequence = s.nextSequence
        s.nextSequence &+= 1
        s.entries[key] = Entry(value: value, expiresAt: expiresAt, sequence: sequence)
        s.order.append((key, sequence))
        // Overwrites and evictions leave stale pairs behind; rebuild the log from live entries once they dominate.
        if s.order.count > 2 * max(s.entries.count, 16) {
            s.order = s.entries.map { ($0.key, $0.value.sequence) }.sorted { $0.1 < $1.1 }
            s.orderHead = 0
        }
    }
}
