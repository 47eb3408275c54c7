import Foundation
import Logging
@testable import PushBroker
import PushCodec
@testable import PushConfig
@testable import PushHTTP
@testable import PushObservability
@testable import PushServer
import PushTransport
import Testing

/// The pieces of the authentication quotas on their own, with a clock moved by hand.
@Suite struct AuthQuotaUnitTests {
    static let quietLog: Logger = {
        var log = Logger(label: "test")
        log.logLevel = .critical
        return log
    }()

    // MARK: AddressRateLimiter

    @Test func limiter_spendsTheBurstThenRefusesWithRetryAfter() {
        let clock = CommandsManualClock()
        let limiter = AddressRateLimiter(perMinute: 3, clock: clock.now)
        for _ in 0..<3 { #expect(limiter.take("198.51.100.7") == nil) }
        // 3 per minute: one token comes back every 20 s.
        #expect(limiter.take("198.51.100.7") == .init(retryAfterSeconds: 20))
        #expect(limiter.check("198.51.100.7") == .init(retryAfterSeconds: 20))
        clock.advance(15)
        #expect(limiter.take("198.51.100.7") == .init(retryAfterSeconds: 5))
        clock.advance(5)
        #expect(limiter.take("198.51.100.7") == nil)
        #expect(limiter.take("198.51.100.7") != nil)
    }

    @Test func limiter_refillsToTheBurstAndNoFurther() {
        let clock = CommandsManualClock()
        let limiter = AddressRateLimiter(perMinute: 2, clock: clock.now)
        #expect(limiter.take("a") == nil)
        #expect(limiter.take("a") == nil)
        clock.advance(3600) // an hour idle refills 2 tokens, not 120
        #expect(limiter.take("a") == nil)
        #expect(limiter.take("a") == nil)
        #expect(limiter.take("a") == .init(retryAfterSeconds: 30))
    }

    @Test func limiter_checkSpendsNothingAndStoresNothing() {
        let limiter = AddressRateLimiter(perMinute: 1, clock: CommandsManualClock().now)
        for _ in 0..<10 { #expect(limiter.check("a") == nil) }
        #expect(limiter.trackedKeys == 0)
        #expect(limiter.take("a") == nil)
        #expect(limiter.check("a") == .init(retryAfterSeconds: 60))
    }

    @Test func limiter_keysAreIndependent() {
        let limiter = AddressRateLimiter(perMinute: 1, clock: CommandsManualClock().now)
        #expect(limiter.take("a") == nil)
        #expect(limiter.take("a") != nil)
        #expect(limiter.take("b") == nil)
    }

    @Test func limiter_tableIsBounded_leastRecentlyTouchedIsForgotten() {
        let clock = CommandsManualClock()
        let limiter = AddressRateLimiter(perMinute: 1, maxTrackedKeys: 3, clock: clock.now)
        for key in ["a", "b", "c"] { #expect(limiter.take(key) == nil) }
        clock.advance(30)
        _ = limiter.take("a") // refused, but touched: "b" is now the least recent
        #expect(limiter.take("d") == nil)
        #expect(limiter.trackedKeys == 3)
        #expect(limiter.check("b") == nil) // forgotten: a full bucket again
        #expect(limiter.check("a") != nil)
        #expect(limiter.check("c") != nil)
        // A flood of fresh keys never grows the table beyond its cap.
        for i in 0..<10_000 { _ = limiter.take("k\(i)") }
        #expect(limiter.trackedKeys == 3)
    }

    // MARK: SourceAddressKey

    @Test(arguments: [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("[2001:DB8:1:2::1]", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.4", "198.51.100.4"),
        ("fe80::1%eth0", "fe80::/64"),
        ("203.0.113.9:4711", "203.0.113.9"),
    ])
    func sourceKey_canonicalForm(host: String, key: String) {
        #expect(SourceAddressKey.key(host: host) == key)
    }

    @Test func sourceKey_rejectsWhatIsNotAnAddress() {
        #expect(SourceAddressKey.key(host: "evil\r\nkey=1") == nil)
        #expect(SourceAddressKey.key(host: "") == nil)
    }

    @Test func sourceKey_forwardedForCountsOnlyFromLoopback() throws {
        let loopback = try SocketAddress(host: "127.0.0.1", port: 5000)
        let remote = try SocketAddress(host: "203.0.113.9", port: 5000)
        let forwarded = HTTPHeaders([("X-Forwarded-For", "10.9.9.9, 198.51.100.4")])
        #expect(SourceAddressKey.key(peer: loopback, headers: forwarded) == "198.51.100.4")
        #expect(SourceAddressKey.key(peer: remote, headers: forwarded) == "203.0.113.9")
        #expect(SourceAddressKey.key(peer: loopback, headers: HTTPHeaders()) == "127.0.0.1")
        #expect(SourceAddressKey.key(peer: loopback, headers: HTTPHeaders([("X-Forwarded-For", "garbage")])) == "127.0.0.1")
        #expect(SourceAddressKey.key(peer: nil, headers: forwarded) == SourceAddressKey.unknown)
    }

    // MARK: UserSessionQuota

    @Test func sessionQuota_capsPerUserAndReleasesOnce() {
        let quota = UserSessionQuota(maxPerUser: 2)
        let a = quota.reserve("alice")
        let b = quota.reserve("alice")
        #expect(a != nil && b != nil)
        #expect(quota.reserve("alice") == nil)
        #expect(quota.reserve("bob") != nil) // bob's slot is freed at once (not kept)
        a?.release()
        a?.release() // idempotent: one close gives back one slot
        #expect(quota.sessions(of: "alice") == 1)
        #expect(quota.reserve("alice") != nil)
        withExtendedLifetime(b) {}
    }

    @Test func sessionQuota_aSlotThatIsDroppedUnusedGivesItsPlaceBack() {
        let quota = UserSessionQuota(maxPerUser: 1)
        do { _ = quota.reserve("alice") } // e.g. the connection died before the 101
        #expect(quota.sessions(of: "alice") == 0)
        #expect(quota.users == 0)
        let kept = quota.reserve("alice")
        #expect(kept != nil)
        #expect(quota.reserve("alice") == nil)
        withExtendedLifetime(kept) {}
    }

    @Test func sessionQuota_handedOverSlotStaysTakenUntilTheHolderGivesItBack() {
        let quota = UserSessionQuota(maxPerUser: 1)
        do {
            let reservation = quota.reserve("alice")
            #expect(reservation?.handOver() == true) // a session now holds the slot
            #expect(reservation?.handOver() == false, "handed over once")
            reservation?.release() // no effect: the holder gives it back, not the reservation
        }
        #expect(quota.sessions(of: "alice") == 1, "freeing a handed-over reservation keeps the slot")
        #expect(quota.reserve("alice") == nil)
        quota.releaseSession(of: "alice")
        #expect(quota.sessions(of: "alice") == 0 && quota.users == 0)
    }

    @Test func sessionQuota_zeroMeansNoCap() {
        let quota = UserSessionQuota(maxPerUser: 0)
        let slots = (0..<500).compactMap { _ in quota.reserve("alice") }
        #expect(slots.count == 500)
        #expect(quota.sessions(of: "alice") == 500)
    }

    // MARK: LogThrottle

    @Test func logThrottle_oneLinePerIntervalCountingTheRest() {
        let clock = CommandsManualClock()
        let throttle = LogThrottle(interval: 10, clock: clock.now)
        #expect(throttle.admit("q") == 0)
        for _ in 0..<99 { #expect(throttle.admit("q") == nil) }
        #expect(throttle.admit("other") == 0)
        clock.advance(10)
        #expect(throttle.admit("q") == 99)
        #expect(throttle.admit("q") == nil)
    }

    // MARK: AuthQuotas

    @Test func authQuotas_refusalsAre429WithReasonAndRetryAfter() {
        var limits = ServerConfig.Limits()
        limits.failedAuthPerAddressPerMinute = 2
        limits.verifierSpawnsPerAddressPerMinute = 1
        limits.maxSessionsPerUser = 1
        let quotas = AuthQuotas(limits: limits, metrics: nil, log: Self.quietLog, clock: CommandsManualClock().now)
        #expect(quotas.refuseAttempt(from: "a") == nil)
        quotas.recordFailure(from: "a", token: "stale")
        for _ in 0..<10 { quotas.recordFailure(from: "a", token: "stale") } // one tab retrying: charged once
        #expect(quotas.refuseAttempt(from: "a") == nil)
        quotas.recordFailure(from: "a", token: "other")
        let failed = quotas.refuseAttempt(from: "a")
        #expect(failed?.status == 429)
        #expect(failed?.code == "too_many_failed_authentications")
        #expect(failed?.headers.first { $0.0 == "Retry-After" }?.1 == "30")
        #expect(quotas.admitSpawn(from: "a"))
        #expect(!quotas.admitSpawn(from: "a"))
        let spawn = quotas.spawnRefusal(for: "a")
        #expect(spawn.status == 429)
        #expect(spawn.code == "too_many_token_checks")
        #expect(spawn.headers.first { $0.0 == "Retry-After" }?.1 == "60")
        let slot = quotas.reserveSession(for: "alice", source: "a")
        guard case .failure(let refusal) = quotas.reserveSession(for: "alice", source: "a") else {
            Issue.record("second session admitted")
            return
        }
        #expect(refusal.status == 429)
        #expect(refusal.code == "too_many_sessions")
        #expect(quotas.refusalCount == 3)
        withExtendedLifetime(slot) {}
    }

    @Test func authQuotas_zeroTurnsAQuotaOff() {
        var limits = ServerConfig.Limits()
        limits.failedAuthPerAddressPerMinute = 0
        limits.verifierSpawnsPerAddressPerMinute = 0
        let quotas = AuthQuotas(limits: limits, metrics: nil, log: Self.quietLog)
        for i in 0..<1_000 {
            quotas.recordFailure(from: "a", token: "t\(i)")
            #expect(quotas.admitSpawn(from: "a"))
        }
        #expect(quotas.refuseAttempt(from: "a") == nil)
    }

    @Test func authQuotas_aFloodOfRefusalsWritesOneLinePerIntervalPerQuota() {
        var limits = ServerConfig.Limits()
        limits.verifierSpawnsPerAddressPerMinute = 1
        limits.maxSessionsPerUser = 1
        let clock = CommandsManualClock()
        let lines = CapturedLog()
        let quotas = AuthQuotas(limits: limits, metrics: nil, log: Logger(label: "test") { _ in lines }, clock: clock.now)
        let slot = quotas.reserveSession(for: "alice", source: "a")
        for _ in 0..<50 {
            _ = quotas.spawnRefusal(for: "203.0.113.9")
            _ = quotas.reserveSession(for: "alice", source: "203.0.113.9")
        }
        #expect(lines.entries.count == 2)
        #expect(lines.entries.allSatisfy { $0.message == "authentication quota reached" && $0.metadata["suppressed"] == "0" })
        #expect(Set(lines.entries.compactMap { $0.metadata["quota"] }) == ["verifier_spawns", "sessions_per_user"])
        clock.advance(10)
        _ = quotas.spawnRefusal(for: "203.0.113.9")
        #expect(lines.entries.count == 3)
        #expect(lines.entries.last?.metadata["suppressed"] == "49")
        #expect(lines.entries.last?.metadata["source"] == "203.0.113.9")
        withExtendedLifetime(slot) {}
    }

    // MARK: SingleFlightCache.mayStart

    @Test func cache_mayStartIsAskedOnlyForARealComputation() async {
        let cache = SingleFlightCache<String, Int>(ttl: 60, clock: CommandsManualClock().now)
        let asked = Locked(0)
        let mayStart: () -> Bool = { asked.mutate { $0 += 1 }; return true }
        let pending = Locked<(@Sendable (Int) -> Void)?>(nil)
        let first = CommandsBox<Int>()
        let joined = CommandsBox<Int>()
        cache.value(for: "k", timeToLive: { _ in 60 }, mayStart: mayStart, refused: -1,
                    compute: { deliver in pending.mutate { $0 = deliver } }, completion: { first.set($0) })
        // A second asker while the first computation runs joins it: not asked, nothing started.
        cache.value(for: "k", timeToLive: { _ in 60 }, mayStart: mayStart, refused: -1,
                    compute: { deliver in deliver(9) }, completion: { joined.set($0) })
        pending.value?(7)
        #expect(await first.value() == 7)
        #expect(await joined.value() == 7)
        let hit = CommandsBox<Int>()
        cache.value(for: "k", timeToLive: { _ in 60 }, mayStart: mayStart, refused: -1,
                    compute: { deliver in deliver(8) }, completion: { hit.set($0) })
        #expect(await hit.value() == 7)
        #expect(asked.value == 1)
    }

    @Test func cache_refusedStartsNothingAndCachesNothing() async {
        let cache = SingleFlightCache<String, Int>(ttl: 60, clock: CommandsManualClock().now)
        let refused = CommandsBox<Int>()
        cache.value(for: "k", timeToLive: { _ in 60 }, mayStart: { false }, refused: -1,
                    compute: { deliver in deliver(7) }, completion: { refused.set($0) })
        #expect(await refused.value() == -1)
        #expect(cache.computeCount == 0)
        #expect(cache.count == 0)
    }
}
