import Foundation
import Logging
import PushStore
import Synchronization

/// Decides who may open a WAMP session (SPEC sections 5.1 and 9).
///
/// Hot path: a verified token is cached (hash → owner, activity, expiry) behind a mutex, so a
/// reconnecting browser is admitted on its loop without touching the disk. A miss is looked up
/// on the store's queue; a token the table does not know may be checked by EspoCRM's own command
/// (`auth.verifyCommand`), off the loops and cached by the verifier. Revocation drops the entry.
final class TokenAuthenticator: Sendable {
    enum Outcome: Sendable, Equatable {
        case admitted(userId: String, tokenHash: String)
        case unauthorized(String)
        case forbidden(String)
    }

    private struct Entry {
        let userId: String
        let expiresAt: Int64?
        let cachedAt: Double
    }

    private let store: StoreService
    private let verifier: ExternalTokenVerifier?
    private let cache = Mutex<[String: Entry]>([:])
    private let cacheSeconds: Double
    private let log: Logger

    init(store: StoreService, verifier: ExternalTokenVerifier?, cacheSeconds: Double = 60, log: Logger) {
        self.store = store
        self.verifier = verifier
        self.cacheSeconds = cacheSeconds
        self.log = log
    }

    /// EspoCRM strips both query parameters to `[A-Za-z0-9-]`; so do we.
    static func strip(_ s: String) -> String { TokenStore.strip(s) }

    /// The handshake: the token must belong to `userId`. `completion` runs on the caller's thread
    /// on a cache hit, otherwise on the store queue or a verifier queue.
    func authenticate(token rawToken: String, userId rawUser: String, completion: @escaping @Sendable (Outcome) -> Void) {
        let userId = Self.strip(rawUser)
        guard !userId.isEmpty, !Self.strip(rawToken).isEmpty else {
            return completion(.unauthorized("The authToken and userId query parameters are required."))
        }
        resolve(rawToken) { owner in
            switch owner {
            case .outcome(let outcome): completion(outcome)
            case .owner(let owner, let hash, let active, let expiresAt):
                completion(Self.judge(userId: userId, owner: owner, active: active, expiresAt: expiresAt, hash: hash,
                                      now: Date().timeIntervalSince1970))
            }
        }
    }

    /// REST actions: the token alone identifies the user (its owner in the table, or the user the
    /// external verifier names).
    func authenticateOwner(token rawToken: String, completion: @escaping @Sendable (Outcome) -> Void) {
        guard !Self.strip(rawToken).isEmpty else { return completion(.unauthorized("A token is required.")) }
        resolve(rawToken) { owner in
            switch owner {
            case .outcome(let outcome): completion(outcome)
            case .owner(let owner, let hash, let active, let expiresAt):
                completion(Self.judge(userId: owner, owner: owner, active: active, expiresAt: expiresAt, hash: hash,
                                      now: Date().timeIntervalSince1970))
            }
        }
    }

    /// Who owns a token: the cache, else the table (on the store queue), else the external
    /// verifier. An answer that needs no further judging comes back as `.outcome`.
    private enum Owner: Sendable {
        case owner(String, hash: String, active: Bool, expiresAt: Int64?)
        case outcome(Outcome)
    }

    private func resolve(_ rawToken: String, completion: @escaping @Sendable (Owner) -> Void) {
        let token = Self.strip(rawToken)
        let hash = TokenStore.hash(token)
        let now = Date().timeIntervalSince1970
        if let entry = cache.withLock({ $0[hash] }), now - entry.cachedAt < cacheSeconds {
            return completion(.owner(entry.userId, hash: hash, active: true, expiresAt: entry.expiresAt))
        }
        store.async({ db -> TokenRecord? in
            let tokens = TokenStore(database: db)
            let record = try tokens.record(tokenHash: hash)
            if let record, record.isActive { _ = try? tokens.touch(tokenHash: hash, now: Int64(now)) }
            return record
        }) { [self] result in
            switch result {
            case .failure(let error):
                log.error("token look-up failed", metadata: ["error": "\(error)"])
                completion(.outcome(.unauthorized("The token could not be checked.")))
            case .success(let record?):
                if record.isActive {
                    cache.withLock { $0[hash] = Entry(userId: record.userId, expiresAt: record.expiresAt, cachedAt: now) }
                }
                completion(.owner(record.userId, hash: hash, active: record.isActive, expiresAt: record.expiresAt))
            case .success(nil):
                guard let verifier else { return completion(.outcome(.unauthorized("Unknown token."))) }
                verifier.verify(token: token) { outcome in
                    switch outcome {
                    case .user(let owner):
                        completion(.owner(owner, hash: "external:" + hash, active: true, expiresAt: nil))
                    case .unknown:
                        completion(.outcome(.unauthorized("Unknown token.")))
                    case .failed(let reason):
                        completion(.outcome(.unauthorized("The token could not be verified (\(reason)).")))
                    }
                }
            }
        }
    }

    private static func judge(userId: String, owner: String, active: Bool, expiresAt: Int64?, hash: String, now: Double) -> Outcome {
        guard owner == userId else { return .unauthorized("The token belongs to another user.") }
        guard active else { return .forbidden("The token has been revoked.") }
        if let expiresAt, Double(expiresAt) <= now { return .forbidden("The token has expired.") }
        return .admitted(userId: userId, tokenHash: hash)
    }

    func invalidate(tokenHashes: Set<String>) {
        cache.withLock { cache in for hash in tokenHashes { cache[hash] = nil } }
    }
}
