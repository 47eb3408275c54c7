import Logging
import PushCodec
import PushConfig
import PushObservability
import PushStore
import PushTransport
import Synchronization

/// The authentication quotas (issue 10, M5): failed authentications and verifier spawns per
/// source address, sessions per user. Each refusal is a 429 with a one-line JSON reason, bumps
/// `wamp_push_auth_quota_refusals_total{quota}` and logs one warning line, itself throttled to
/// one per quota per `LogThrottle.interval` so a flood cannot flood the log.
///
/// Thread-safe: the limiters and the session map lock internally; the rest is immutable.
package final class AuthQuotas: Sendable {
    package enum Quota: String, CaseIterable, Sendable {
        case failedAuth = "failed_auth"
        case verifierSpawns = "verifier_spawns"
        case sessionsPerUser = "sessions_per_user"
    }

    /// Nil when the quota is off (configured as 0).
    package let failedAuth: AddressRateLimiter?
    package let verifierSpawns: AddressRateLimiter?
    /// (source, token hash) pairs charged in the last minute: a browser tab retrying the same
    /// stale token every few seconds costs one failure a minute, a flood of distinct ones each.
    private let recentFailures: AddressRateLimiter?
    package let sessions: UserSessionQuota
    /// `wamp_push_auth_quota_refusals_total{quota=...}`, one series per quota.
    private let refusalCounters: [Quota: Counter]
    private let log: Logger
    private let logThrottle: LogThrottle
    private let refusals = Atomic<Int>(0)

    package init(limits: ServerConfig.Limits, metrics: ServerMetrics?, log: Logger,
         clock: @escaping @Sendable () -> Double = MonotonicSeconds.now) {
        failedAuth = limits.failedAuthPerAddressPerMinute > 0
            ? AddressRateLimiter(perMinute: limits.failedAuthPerAddressPerMinute, clock: clock) : nil
        verifierSpawns = limits.verifierSpawnsPerAddressPerMinute > 0
            ? AddressRateLimiter(perMinute: limits.verifierSpawnsPerAddressPerMinute, clock: clock) : nil
        recentFailures = failedAuth == nil ? nil : AddressRateLimiter(perMinute: 1, clock: clock)
        sessions = UserSessionQuota(maxPerUser: limits.maxSessionsPerUser)
        var counters: [Quota: Counter] = [:]
        if let metrics {
            for quota in Quota.allCases { counters[quota] = metrics.counter("wamp_push_auth_quota_refusals_total", [("quota", quota.rawValue)]) }
        }
        refusalCounters = counters
        self.log = log
        self.logThrottle = LogThrottle(clock: clock)
    }

    /// Checked before any token look-up: an address over its failed-authentication budget.
    package func refuseAttempt(from source: String) -> HTTPError? {
        guard let limiter = failedAuth, let limited = limiter.check(source) else { return nil }
        refused(.failedAuth, source: source, limit: limiter.perMinute)
        return HTTPError.tooManyFailedAuthentications(
            message: "Too many failed authentications from this address; retry in \(limited.retryAfterSeconds) s.",
            retryAfter: limited.retryAfterSeconds)
    }

    /// A missing, wrong, unknown, expired or revoked token (not a server-side failure) from
    /// `source`; the same token again within a minute is not charged again.
    package func recordFailure(from source: String, token: String) {
        guard let failedAuth, let recentFailures else { return }
        let pair = source + " " + TokenStore.hash(TokenStore.strip(token))
        if recentFailures.take(pair) == nil { failedAuth.charge(source) }
    }

    /// Spends one verifier run of `source`'s budget; false when it is used up. Called by the
    /// verifier's cache, under its lock, only when a new process would start: so it only counts
    /// (the refusal is logged by `spawnRefusal`, outside that lock).
    package func admitSpawn(from source: String) -> Bool {
        verifierSpawns?.take(source) == nil
    }

    /// The 429 (counted and logged) for a token that needed a verifier run `source` had no budget for.
    package func spawnRefusal(for source: String) -> HTTPError {
        refused(.verifierSpawns, source: source, limit: verifierSpawns?.perMinute ?? 0)
        let seconds = verifierSpawns?.check(source)?.retryAfterSeconds ?? 1
        return HTTPError.tooManyTokenChecks(
            message: "Too many unknown tokens to verify from this address; retry in \(seconds) s.", retryAfter: seconds)
    }

    /// A reservation for one more session of `userId`, or the 429 to answer when the user is at the cap.
    package func reserveSession(for userId: String, source: String) -> Result<UserSessionQuota.Reservation, HTTPError> {
        if let reservation = sessions.reserve(userId) { return .success(reservation) }
        refused(.sessionsPerUser, source: source, limit: sessions.maxPerUser, user: userId)
        return .failure(HTTPError.tooManySessions(
            message: "This user already has \(sessions.maxPerUser) open sessions (limits.maxSessionsPerUser); close one first.",
            retryAfter: nil))
    }

    /// Refusals so far, every quota together (for tests).
    package var refusalCount: Int { refusals.load(ordering: .relaxed) }


    private func refused(_ quota: Quota, source: String, limit: Int, user: String? = nil) {
        refusals.add(1, ordering: .relaxed)
        refusalCounters[quota]?.increment()
        guard let suppressed = logThrottle.admit(quota.rawValue) else { return }
        var metadata: Logger.Metadata = ["quota": "\(quota.rawValue)", "source": "\(source)", "limit": "\(limit)",
                                         "suppressed": "\(suppressed)"]
        if let user { metadata["user"] = "\(user)" }
        log.warning("authentication quota reached", metadata: metadata)
    }
}

/// The `429` answers of the authentication quotas (Docs/security.md, "Authentication quotas").
extension HTTPError {
    package static func tooManyFailedAuthentications(message: String, retryAfter: Int?) -> HTTPError {
        tooManyRequests("too_many_failed_authentications", message, retryAfter)
    }
    package static func tooManyTokenChecks(message: String, retryAfter: Int?) -> HTTPError {
        tooManyRequests("too_many_token_checks", message, retryAfter)
    }
    package static func tooManySessions(message: String, retryAfter: Int?) -> HTTPError {
        tooManyRequests("too_many_sessions", message, retryAfter)
    }
    private static func tooManyRequests(_ code: String, _ message: String, _ retryAfter: Int?) -> HTTPError {
        HTTPError(status: 429, code: code, message: message,
                  headers: retryAfter.map { [("Retry-After", "\($0)")] } ?? [], closeConnection: true)
    }
}
