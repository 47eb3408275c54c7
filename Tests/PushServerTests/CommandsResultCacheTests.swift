@testable import PushBroker
@testable import PushServer
import Synchronization
import Testing

/// Holds the `deliver` callbacks of computations a test has not finished yet.
final class CommandsPendingComputations: Sendable {
    private let pending = Mutex<[@Sendable (String) -> Void]>([])
    var count: Int { pending.withLock { $0.count } }
    func add(_ deliver: @escaping @Sendable (String) -> Void) { pending.withLock { $0.append(deliver) } }
    func finishAll(with value: String) {
        let all = pending.withLock { p in defer { p = [] }; return p }
        for deliver in all { deliver(value) }
    }
}

/// Collects delivered values.
final class CommandsCollector: Sendable {
    private let values = Mutex<[String]>([])
    var all: [String] { values.withLock { $0 } }
    func add(_ value: String) { values.withLock { $0.append(value) } }
}

@Suite struct CommandsResultCacheTests {
    private func ask(_ cache: SingleFlightCache<String, String>, _ key: String, answer: String, into collector: CommandsCollector) {
        cache.value(for: key, isPositive: { $0 != "no" }, compute: { $0(answer) }, completion: { collector.add($0) })
    }

    @Test func value_missComputesAndHitAnswersOnCallerThreadWithoutComputing() {
        let clock = CommandsManualClock()
        let cache = SingleFlightCache<String, String>(ttl: 10, clock: clock.now)
        let got = CommandsCollector()
        ask(cache, "k", answer: "first", into: got)
        ask(cache, "k", answer: "second", into: got)
        // Both completions already ran: the compute is synchronous and the hit is immediate.
        #expect(got.all == ["first", "first"])
        #expect(cache.computeCount == 1)
    }

    @Test func value_concurrentMissesShareOneComputation() {
        let cache = SingleFlightCache<String, String>(ttl: 10, clock: CommandsManualClock().now)
        let pending = CommandsPendingComputations()
        let got = CommandsCollector()
        for _ in 0..<50 {
            cache.value(for: "k", isPositive: { _ in true }, compute: { pending.add($0) }, completion: { got.add($0) })
        }
        #expect(pending.count == 1)
        #expect(got.all.isEmpty)
        pending.finishAll(with: "v")
        #expect(got.all == Array(repeating: "v", count: 50))
        #expect(cache.computeCount == 1)
    }

    @Test func value_expiresPositiveAndNegativeByTheirOwnTTL() {
        let clock = CommandsManualClock()
        let cache = SingleFlightCache<String, String>(ttl: 60, negativeTTL: 5, clock: clock.now)
        let got = CommandsCollector()
        ask(cache, "good", answer: "yes", into: got)
        ask(cache, "bad", answer: "no", into: got)
        clock.advance(5.5)
        ask(cache, "good", answer: "yes2", into: got)
        ask(cache, "bad", answer: "no2", into: got)
        #expect(got.all == ["yes", "no", "yes", "no2"])
        clock.advance(60)
        ask(cache, "good", answer: "yes3", into: got)
        #expect(got.all.last == "yes3")
        #expect(cache.computeCount == 4)
    }

    @Test func value_zeroLifetimeSharesButDoesNotCache() {
        let cache = SingleFlightCache<String, String>(ttl: 10, clock: CommandsManualClock().now)
        let got = CommandsCollector()
        for answer in ["a", "b"] {
            cache.value(for: "k", timeToLive: { _ in 0 }, compute: { $0(answer) }, completion: { got.add($0) })
        }
        #expect(got.all == ["a", "b"])
        #expect(cache.count == 0)
    }

    @Test func invalidate_duringComputation_answersWaitersButCachesNothing() {
        let cache = SingleFlightCache<String, String>(ttl: 10, clock: CommandsManualClock().now)
        let pending = CommandsPendingComputations()
        let got = CommandsCollector()
        cache.value(for: "k", isPositive: { _ in true }, compute: { pending.add($0) }, completion: { got.add($0) })
        cache.invalidate("k")
        pending.finishAll(with: "stale")
        #expect(got.all == ["stale"])
        ask(cache, "k", answer: "fresh", into: got)
        #expect(got.all == ["stale", "fresh"])
        #expect(cache.computeCount == 2)
    }

    @Test func invalidateAll_removesOnlyMatchingKeys() {
        let cache = SingleFlightCache<String, String>(ttl: 10, clock: CommandsManualClock().now)
        let got = CommandsCollector()
        for key in ["user:a", "user:b", "other"] { ask(cache, key, answer: key, into: got) }
        cache.invalidateAll { $0.hasPrefix("user:") }
        #expect(cache.count == 1)
        ask(cache, "other", answer: "recomputed", into: got)
        #expect(got.all.last == "other")
    }

    @Test func store_evictsTheOldestWhenFull() {
        let cache = SingleFlightCache<String, String>(ttl: 10, maxEntries: 3, clock: CommandsManualClock().now)
        let got = CommandsCollector()
        for key in ["k0", "k1", "k2", "k3"] { ask(cache, key, answer: key, into: got) }
        #expect(cache.count == 3)
        ask(cache, "k3", answer: "again", into: got)
        #expect(got.all.last == "k3")
        ask(cache, "k0", answer: "again", into: got)
        #expect(got.all.last == "again")
        #expect(cache.computeCount == 5)
    }

    @Test func computation_reportingTwice_deliversOnce() {
        let cache = SingleFlightCache<String, String>(ttl: 10, clock: CommandsManualClock().now)
        let got = CommandsCollector()
        cache.value(for: "k", isPositive: { _ in true }, compute: { $0("one"); $0("two") }, completion: { got.add($0) })
        #expect(got.all == ["one"])
    }
}
