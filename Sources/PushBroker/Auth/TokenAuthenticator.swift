import Foundation
import Logging
import PushCodec
import PushObservability
import PushStore
import PushTransport
import Synchronization

/// Decides who may open a WAMP session (Docs/security.md, "Routes" and "Authentication quotas").
///
/// Hot path: a verified token is cached (hash → owner, activity, expiry) behind a mutex, so a
/// reconnecting browser is admitted on its loop without touching the disk. A miss is looked up
/// on the store's queue; a token the table does not know may be checked by EspoCRM's own command
/// (`auth.verifyCommand`), off the loops and cached by the verifier. Revocation drops the entry.
///
/// Quotas (`AuthQuotas`), per source address: one over its failed-authentication budget is refused
/// before any look-up; a token that needs a new verifier run spends from the spawn budget (cache
/// hits, table hits and joins of a running check spend nothing). An attempt whose token is
/// missing, wrong, unknown, expired or revoked is charged as a failure (the same token at most
/// once a minute); server-side failures (store error, verifier timeout) and spawn refusals are not.
/// A server-side failure is a `503 auth_unavailable` whose message says nothing about the cause
/// (that goes to the log).
package final class TokenAuthenticator: Sendable {
    package enum Outcome: Sendable, Equatable {
        case admitted(userId: String, tokenHash: String)
        case unauthorized(String)
        case forbidden(String)
        /// A quota refused the attempt (429), or the server could not check it (503): answer this as it is.
        case refused(HTTPError)
    }

    private struct Entry {
        package let userId: String
        package let expiresAt: Int64?
        /// When it was cached, on the monotonic clock (a wall-clock step cannot stretch the TTL).
        package let cachedAt: Double
    }

    private let store: StoreService
    private let verifier: ExternalTokenVerifier?
    private let cache = Mutex<[String: Entry]>([:])
    private let cacheSeconds: Double
    private let quotas: AuthQuotas?
    private let shared: SharedTokenTable?
    /// Shared-table look-ups in flight, by token hash, with everyone waiting for each: a reconnect
    /// storm of one user's tabs asks the shared table once, not once per tab. At most one entry
    /// per connection in its handshake, so bounded by the connection cap.
    private let sharedLookups = Mutex<[String: [@Sendable (Result<TokenRecord?, SharedTokenError>) -> Void]]>([:])
    private let clock: @Sendable () -> Double
    private let log: Logger
    /// Server-side failures come in floods (a full process table fails every check): a line per 10 s.
    private let failureLog = LogThrottle()

    package init(store: StoreService, verifier: ExternalTokenVerifier?, quotas: AuthQuotas? = nil, cacheSeconds: Double = 60,
                 shared: SharedTokenTable? = nil, clock: @escaping @Sendable () -> Double = MonotonicSeconds.now, log: Logger) {
        self.store = store
        self.clock = clock
        self.verifier = verifier
        self.quotas = quotas
        self.shared = shared
        self.cacheSeconds = cacheSeconds
        self.log = log
    }

    /// EspoCRM strips both query parameters to `[A-Za-z0-9-]`; so do we.
    package static func strip(_ s: String) -> String { TokenStore.strip(s) }

    /// The handshake: the token must belong to `userId`. `completion` runs on the caller's thread
    /// on a cache hit, otherwise on the store queue or a command-runner thread. `source` is the
    /// `SourceAddressKey` the quotas count under (nil: no quotas apply).
    package func authenticate(token rawToken: String, userId rawUser: String, source: String? = nil,
                      completion: @escaping @Sendable (Outcome) -> Void) {
        if let source, let refusal = quotas?.refuseAttempt(from: source) { return completion(.refused(refusal)) }
        let charged = charging(source, rawToken, completion)
        let userId = Self.strip(rawUser)
        guard !userId.isEmpty, !Self.strip(rawToken).isEmpty else {
            return charged(.unauthorized("The authToken and userId query parameters are required."))
        }
        resolve(rawToken, source: source) { owner in
            switch owner {
            case .outcome(let outcome): charged(outcome)
            case .serverFailure(let outcome): completion(outcome)
            case .owner(let owner, let hash, let active, let expiresAt):
                charged(Self.judge(userId: userId, owner: owner, active: active, expiresAt: expiresAt, hash: hash,
                                      now: Date().timeIntervalSince1970))
            }
        }
    }

    /// REST actions: the token alone identifies the user (its owner in the table, or the user the
    /// external verifier names).
    package func authenticateOwner(token rawToken: String, source: String? = nil, completion: @escaping @Sendable (Outcome) -> Void) {
        if let source, let refusal = quotas?.refuseAttempt(from: source) { return completion(.refused(refusal)) }
        let charged = charging(source, rawToken, completion)
        guard !Self.strip(rawToken).isEmpty else { return charged(.unauthorized("A token is required.")) }
        resolve(rawToken, source: source) { owner in
            switch owner {
            case .outcome(let outcome): charged(outcome)
            case .serverFailure(let outcome): completion(outcome)
            case .owner(let owner, let hash, let active, let expiresAt):
                charged(Self.judge(userId: owner, owner: owner, active: active, expiresAt: expiresAt, hash: hash,
                                      now: Date().timeIntervalSince1970))
            }
        }
    }

    /// Wraps `completion` so that a 401/403 is charged to `source`'s failure budget (server-side
    /// failures bypass it: `.serverFailure` goes to the bare completion).
    private func charging(_ source: String?, _ token: String,
                          _ completion: @escaping @Sendable (Outcome) -> Void) -> @Sendable (Outcome) -> Void {
        guard let source, let quotas else { return completion }
        return { outcome in
            switch outcome {
            case .unauthorized, .forbidden: quotas.recordFailure(from: source, token: token)
            case .admitted, .refused: break
            }
            completion(outcome)
        }
    }

    /// Who owns a token: the cache, else the table (on the store queue), else the external
    /// verifier. An answer that needs no further judging comes back as `.outcome`, or as
    /// `.serverFailure` when the server (not the client) is at fault.
    private enum Owner: Sendable {
        case owner(String, hash: String, active: Bool, expiresAt: Int64?)
        case outcome(Outcome)
        case serverFailure(Outcome)
    }

    private func resolve(_ rawToken: String, source: String?, completion: @escaping @Sendable (Owner) -> Void) {
        let token = Self.strip(rawToken)
        let hash = TokenStore.hash(token)
        let now = Date().timeIntervalSince1970 // for the table's last-used stamp
        let cachedAt = clock()
        // The cache's own key and owner strings go on to the session: every session of a token
        // then shares them instead of holding its own 64-byte hash (Docs/benchmarks.md).
        if let (key, entry) = cache.withLock({ c in c.index(forKey: hash).map { c[$0] } }), cachedAt - entry.cachedAt < cacheSeconds {
            return completion(.owner(entry.userId, hash: key, active: true, expiresAt: entry.expiresAt))
        }
        store.async({ db -> TokenRecord? in
            let tokens = TokenStore(database: db)
            let record = try tokens.record(tokenHash: hash)
            if let record, record.isActive { _ = try? tokens.touch(tokenHash: hash, now: Int64(now)) }
            return record
        }) { [self] local in
            guard shared != nil else { return decide(local) }
            sharedRecord(hash) { [self] remote in
                switch remote {
                case .success(var record?):
                    // A revocation recorded before the token's record reached the shared table
                    // names no owner: the local record does.
                    if record.userId.isEmpty, case .success(let mine?) = local { record.userId = mine.userId }
                    decide(.success(record))
                case .success(nil): decide(local)
                case .failure(let error):
                    // Degraded, not down: the local table still admits this node's own tokens.
                    if let suppressed = failureLog.admit("shared-tokens") {
                        log.warning("shared token table unavailable; using the local one",
                                    metadata: ["error": "\(error)", "suppressed": "\(suppressed)"])
                    }
                    // A token the local table does not hold was not checked, not found unknown:
                    // answer 503 (retry), not 401.
                    if case .success(nil) = local { return decide(.failure(error)) }
                    decide(local)
                }
            }
        }

        @Sendable func decide(_ result: Result<TokenRecord?, any Error>) {
            switch result {
            case .failure(let error):
                if let suppressed = failureLog.admit("lookup_failed") {
                    log.error("token look-up failed", metadata: ["error": "\(error)", "suppressed": "\(suppressed)"])
                }
                completion(.serverFailure(.refused(Self.unavailable)))
            case .success(let record?):
                if record.isActive {
                    cache.withLock { $0[hash] = Entry(userId: record.userId, expiresAt: record.expiresAt, cachedAt: cachedAt) }
                }
                completion(.owner(record.userId, hash: hash, active: record.isActive, expiresAt: record.expiresAt))
            case .success(nil):
                guard let verifier else { return completion(.outcome(.unauthorized("Unknown token."))) }
                // Only a real spawn spends the source's budget (asked under the verifier cache's lock).
                let quotas = self.quotas
                let mayStart: (() -> Bool)? = source.flatMap { source in
                    quotas.map { quotas in { quotas.admitSpawn(from: source) } }
                }
                verifier.verify(token: token, mayStart: mayStart) { outcome in
                    switch outcome {
                    case .user(let owner):
                        completion(.owner(owner, hash: "external:" + hash, active: true, expiresAt: nil))
                    case .unknown:
                        completion(.outcome(.unauthorized("Unknown token.")))
                    case .failed(let reason):
                        // The reason (a timeout, "pipe failed: Too many open files") is ours, not the caller's.
                        if let suppressed = self.failureLog.admit("verifier_failed") {
                            self.log.error("token verifier failed", metadata: ["reason": "\(reason)", "suppressed": "\(suppressed)"])
                        }
                        completion(.serverFailure(.refused(Self.unavailable)))
                    case .spawnRefused:
                        let refusal = source.flatMap { quotas?.spawnRefusal(for: $0) }
                            ?? HTTPError.tooManyTokenChecks(message: "Too many unknown tokens to verify.", retryAfter: 1)
                        completion(.outcome(.refused(refusal)))
                    }
                }
            }
        }
    }

    /// One shared-table look-up per token hash at a time; later askers wait for its answer.
    private func sharedRecord(_ hash: String, _ done: @escaping @Sendable (Result<TokenRecord?, SharedTokenError>) -> Void) {
        guard let shared else { return }
        let first = sharedLookups.withLock { pending -> Bool in
            if pending[hash] != nil { pending[hash]!.append(done); return false }
            pending[hash] = [done]
            return true
        }
        guard first else { return }
        shared.record(tokenHash: hash) { [self] result in
            let waiting = sharedLookups.withLock { $0.removeValue(forKey: hash) ?? [] }
            for waiter in waiting { waiter(result) }
        }
    }

    /// The server could not check a token (store error, verifier failure): the client may retry;
    /// the details are in the log only.
    static let unavailable = HTTPError(status: 503, code: "auth_unavailable",
                                       message: "The token could not be checked just now; try again shortly.",
                                       headers: [("Retry-After", "1")])

    private static func judge(userId: String, owner: String, active: Bool, expiresAt: Int64?, hash: String, now: Double) -> Outcome {
        guard owner == userId else { return .unauthorized("The token belongs to another user.") }
        guard active else { return .forbidden("The token has been revoked.") }
        if let expiresAt, Double(expiresAt) <= now { return .forbidden("The token has expired.") }
        return .admitted(userId: owner, tokenHash: hash) // owner == userId; owner may be the cache's shared copy
    }

    package func invalidate(tokenHashes: Set<String>) {
        cache.withLock { cache in for hash in tokenHashes { cache[hash] = nil } }
    }
}
