import PushCodec

/// One row of `auth_token` (the plain token is never stored, only its hash).
public struct TokenRecord: Sendable, Equatable {
    public var tokenHash: String
    public var userId: String
    public var isActive: Bool
    public var createdAt: Int64
    public var lastAccess: Int64?
    public var expiresAt: Int64?

    public init(tokenHash: String, userId: String, isActive: Bool, createdAt: Int64,
                lastAccess: Int64?, expiresAt: Int64?) {
        self.tokenHash = tokenHash
        self.userId = userId
        self.isActive = isActive
        self.createdAt = createdAt
        self.lastAccess = lastAccess
        self.expiresAt = expiresAt
    }
}

/// The outcome of checking a presented token against the table.
public enum TokenCheck: Equatable, Sendable {
    case valid(userId: String)
    /// Not in the table (an external verifier may still know it).
    case unknown
    case userMismatch
    case inactive
    case expired
}

/// Refusals from `TokenStore` that are not SQLite failures.
public enum TokenStoreError: Error, Equatable, CustomStringConvertible, Sendable {
    case duplicateToken
    case emptyToken
    case emptyUserId

    public var description: String {
        switch self {
        case .duplicateToken: "this token is already registered"
        case .emptyToken: "the token is empty"
        case .emptyUserId: "the user id is empty"
        }
    }
}

/// The `auth_token` table. Not Sendable: use it on the queue its `Database` is confined to.
///
/// Times are unix seconds passed in by the caller, so there is no clock inside to fake in tests.
public final class TokenStore {
    private let database: Database

    /// Expects `Schema.migrations` to have been applied to `database`.
    public init(database: Database) { self.database = database }

    /// Lowercase hex SHA-256 of the token's UTF-8 bytes: the only form the table holds.
    public static func hash(_ token: String) -> String { Digest.hex(Digest.sha256(Array(token.utf8))) }

    /// Keeps only `[A-Za-z0-9-]`: EspoCRM's rule for the `authToken` and `userId` of a handshake,
    /// applied everywhere a token or user id comes in (handshake, API, CLI, external verifier).
    public static func strip(_ s: String) -> String {
        // Usually nothing to strip (a hex token, a user id): return the string itself.
        if s.utf8.allSatisfy(isKept) { return s }
        return String(decoding: s.utf8.filter(isKept), as: UTF8.self)
    }

    /// `[A-Za-z0-9-]`; every other byte (any byte of a multi-byte character included) goes.
    @inline(__always)
    private static func isKept(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
    }

    /// 32 random bytes as 64 lowercase hex characters, which survive EspoCRM's `[A-Za-z0-9-]` filter.
    public static func generateToken() -> String { Digest.hex(Digest.randomBytes(32)) }

    /// Stores a new token (the given one, or a generated one) for `userId`; returns the plain token.
    @discardableResult
    public func create(userId: String, token: String? = nil, expiresAt: Int64? = nil, now: Int64) throws -> String {
        guard !userId.isEmpty else { throw TokenStoreError.emptyUserId }
        let plain = token ?? Self.generateToken()
        guard !plain.isEmpty else { throw TokenStoreError.emptyToken }
        // A conflict is an answer, not an exception: count the inserted rows.
        try database.cachedStatement("""
            INSERT INTO auth_token (token_hash, user_id, is_active, created_at, expires_at)
            VALUES (?, ?, 1, ?, ?) ON CONFLICT(token_hash) DO NOTHING
            """).execute([.text(Self.hash(plain)), .text(userId), .integer(now), SQLiteValue(expiresAt)])
        guard database.changes == 1 else { throw TokenStoreError.duplicateToken }
        return plain
    }

    /// Checks `token` for `userId` at time `now`; `expires_at <= now` counts as expired.
    public func check(token: String, userId: String, now: Int64) throws -> TokenCheck {
        let rows = try database.cachedStatement(
            "SELECT user_id, is_active, expires_at FROM auth_token WHERE token_hash = ?"
        ).query([.text(Self.hash(token))])
        guard let row = rows.first else { return .unknown }
        let owner = try row.string(0)
        guard owner == userId else { return .userMismatch }
        guard try row.bool(1) else { return .inactive }
        if let expiresAt = try row.optionalInt64(2), expiresAt <= now { return .expired }
        return .valid(userId: owner)
    }

    /// Records a use; skips the write (and its fsync) when the last one is under `minInterval` seconds old.
    @discardableResult
    public func touch(tokenHash: String, now: Int64, minInterval: Int64 = 60) throws -> Bool {
        try database.cachedStatement("""
            UPDATE auth_token SET last_access = ?1
            WHERE token_hash = ?2 AND (last_access IS NULL OR last_access <= ?1 - ?3)
            """).execute([.integer(now), .text(tokenHash), .integer(minInterval)])
        return database.changes == 1
    }

    /// Every token, oldest first.
    public func list() throws -> [TokenRecord] {
        try database.cachedStatement("""
            SELECT token_hash, user_id, is_active, created_at, last_access, expires_at
            FROM auth_token ORDER BY created_at, token_hash
            """).query().map { row in
            TokenRecord(tokenHash: try row.string(0), userId: try row.string(1), isActive: try row.bool(2),
                        createdAt: try row.int64(3), lastAccess: try row.optionalInt64(4),
                        expiresAt: try row.optionalInt64(5))
        }
    }

    /// Deactivates the token; `false` when it is unknown or already inactive.
    @discardableResult
    public func revoke(token: String) throws -> Bool { try revoke(tokenHash: Self.hash(token)) }

    /// Deactivates the token with this hash; `false` when it is unknown or already inactive.
    @discardableResult
    public func revoke(tokenHash: String) throws -> Bool {
        try database.cachedStatement("UPDATE auth_token SET is_active = 0 WHERE token_hash = ? AND is_active = 1")
            .execute([.text(tokenHash)])
        return database.changes == 1
    }

    /// Deactivates every active token of `userId`; returns their hashes, sorted.
    @discardableResult
    public func revokeAll(userId: String) throws -> [String] {
        try database.cachedStatement(
            "UPDATE auth_token SET is_active = 0 WHERE user_id = ? AND is_active = 1 RETURNING token_hash"
        ).query([.text(userId)]).map { try $0.string(0) }.sorted()
    }

    /// Revocations recorded after `seq` (by the triggers of migration 1), oldest first.
    public func revocations(after seq: Int64) throws -> [(seq: Int64, tokenHash: String)] {
        try database.cachedStatement("SELECT seq, token_hash FROM token_revocation WHERE seq > ? ORDER BY seq")
            .query([.integer(seq)]).map { (seq: try $0.int64(0), tokenHash: try $0.string(1)) }
    }

    /// The newest revocation number (0 when there is none): where a fresh server starts watching.
    public func latestRevocation() throws -> Int64 {
        try database.cachedStatement("SELECT COALESCE(MAX(seq), 0) FROM token_revocation").query().first?.int64(0) ?? 0
    }

    /// Records a revocation of a token this table may not hold (a cluster's shared token): the
    /// running server acts on it as on any other revocation.
    public func requestRevocation(tokenHash: String) throws {
        try database.cachedStatement("INSERT INTO token_revocation(token_hash) VALUES (?)").execute([.text(tokenHash)])
    }

    /// Tokens created after `seq` (by the trigger of migration 3), oldest first, at most `limit`;
    /// a token deleted since comes without its record.
    public func creations(after seq: Int64, limit: Int) throws -> [(seq: Int64, tokenHash: String, record: TokenRecord?)] {
        try database.cachedStatement("""
            SELECT c.seq, c.token_hash, t.user_id, t.is_active, t.created_at, t.last_access, t.expires_at
            FROM token_creation c LEFT JOIN auth_token t ON t.token_hash = c.token_hash
            WHERE c.seq > ? ORDER BY c.seq LIMIT ?
            """).query([.integer(seq), .integer(Int64(limit))]).map { row in
            let hash = try row.string(1)
            let record = try row.optionalString(2).map { user in
                TokenRecord(tokenHash: hash, userId: user, isActive: try row.bool(3), createdAt: try row.int64(4),
                            lastAccess: try row.optionalInt64(5), expiresAt: try row.optionalInt64(6))
            }
            return (seq: try row.int64(0), tokenHash: hash, record: record)
        }
    }

    /// Drops the creation records up to `seq` (they have been pushed).
    public func forgetCreations(through seq: Int64) throws {
        try database.cachedStatement("DELETE FROM token_creation WHERE seq <= ?").execute([.integer(seq)])
    }

    /// The stored record for a token hash, if any (the handshake's look-up).
    public func record(tokenHash: String) throws -> TokenRecord? {
        try database.cachedStatement(
            "SELECT token_hash, user_id, is_active, created_at, last_access, expires_at FROM auth_token WHERE token_hash = ?"
        ).query([.text(tokenHash)]).first.map { row in
            TokenRecord(tokenHash: try row.string(0), userId: try row.string(1), isActive: try row.bool(2),
                        createdAt: try row.int64(3), lastAccess: try row.optionalInt64(4), expiresAt: try row.optionalInt64(5))
        }
    }

    /// True when the table holds no token at all, active or not.
    public func isEmpty() throws -> Bool {
        try database.cachedStatement("SELECT NOT EXISTS (SELECT 1 FROM auth_token)").query().first?.bool(0) ?? true
    }
}
