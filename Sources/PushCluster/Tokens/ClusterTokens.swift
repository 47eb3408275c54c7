import Dispatch
import PushBroker
import PushCodec
import PushStore
import PushTransport
import Synchronization

/// The cluster's shared token table (Docs/cluster.md, "Tokens"): one Redis hash per token,
/// `<prefix>:token:<sha256>` with `user`, `active` (1/0), `created` and, when set, `expires`
/// (the key itself expires then too). Each node pushes the tokens of its own table there (every
/// new one, from the creation log, and all of them whenever the commands connection comes up,
/// since Redis may have restarted empty); a revocation anywhere sets `active` to 0 and is
/// announced on the control channel, where every node closes the token's sessions and records
/// the revocation in its own table.
extension ClusterNode: SharedTokenTable {
    /// A revoked token's record stays this long (then only local tables remember it).
    static let revokedRecordSeconds: Int64 = 7 * 86_400

    package func record(tokenHash: String, completion: @escaping @Sendable (Result<TokenRecord?, SharedTokenError>) -> Void) {
        loop.execute { [self] in
            let once = Once(completion)
            // A handshake waits for this; Redis being slow must not make it wait long.
            let deadline = loop.schedule(after: 1) { once.fire(.failure(SharedTokenError("no answer from Redis within 1 s"))) }
            commands.hgetall(tokenKeyPrefix + tokenHash) { result in
                deadline.cancel()
                switch result {
                case .success(let fields): once.fire(.success(Self.record(tokenHash, fields)))
                case .failure(let error): once.fire(.failure(SharedTokenError(error.description)))
                }
            }
        }
    }

    /// Parses a token hash; nil for no record. A record without `user` is a revocation that
    /// arrived before the token: revoked, owner unknown.
    static func record(_ hash: String, _ fields: [String: [UInt8]]) -> TokenRecord? {
        guard !fields.isEmpty else { return nil }
        func text(_ name: String) -> String? { fields[name].map { String(decoding: $0, as: UTF8.self) } }
        return TokenRecord(tokenHash: hash, userId: text("user") ?? "", isActive: text("active") == "1" && text("user") != nil,
                           createdAt: text("created").flatMap { Int64($0) } ?? 0, lastAccess: nil,
                           expiresAt: text("expires").flatMap { Int64($0) })
    }

    /// A token revoked on this node (its table's revocation log, or a route): revoked in the
    /// shared table and announced, unless it came from the cluster in the first place.
    package func announceRevocation(_ hashes: Set<String>) {
        loop.execute { [self] in
            let now = MonotonicClock.now()
            let fresh = hashes.filter { recentRevocations[$0] == nil }.sorted()
            guard !fresh.isEmpty else { return }
            remember(fresh, now: now)
            for hash in fresh {
                let key = tokenKeyPrefix + hash
                commands.send(["HSET", .string(key), "active", "0"])
                commands.expire(key, seconds: Int(Self.revokedRecordSeconds))
            }
            var body = Array(#"{"v":1,"type":"revoke","origin":"#.utf8)
            JSONString.write(nodeId, into: &body)
            body += Array(#","hashes":"#.utf8) + JSONValue.array(fresh.map { .string($0) }).jsonBytes + [UInt8(ascii: "}")]
            let metrics = self.metrics
            commands.publish(controlChannel, body) { if case .success = $0 { metrics.revocationsSent.increment(by: fresh.count) } }
        }
    }

    /// Revokes a token this node's table does not hold (`DELETE /internal/tokens/…`): true when
    /// the shared table had it active, false when it had no active record, nil when Redis could
    /// not be asked.
    package func revokeShared(tokenHash: String, completion: @escaping @Sendable (Bool?) -> Void) {
        loop.execute { [self] in
            commands.hget(tokenKeyPrefix + tokenHash, "active") { [self] result in
                switch result {
                case .success(let active) where active == Array("1".utf8):
                    announceRevocation([tokenHash])
                    completion(true)
                case .success: completion(false)
                case .failure: completion(nil)
                }
            }
        }
    }

    /// On the loop: a message of the control channel.
    func receiveControl(_ payload: [UInt8]) {
        guard let root = try? JSONParser.parse(payload), let o = root.objectValue, o["v"]?.int64Value == 1,
              o["type"]?.stringValue == "revoke", let origin = o["origin"]?.stringValue,
              let list = o["hashes"]?.arrayValue else {
            metrics.malformed.increment()
            return
        }
        guard origin != nodeId else { return }
        let hashes = list.compactMap(\.stringValue).filter { !$0.isEmpty && $0.utf8.count <= 128 }
        guard !hashes.isEmpty else { return }
        remember(hashes, now: MonotonicClock.now())
        metrics.revocationsReceived.increment(by: hashes.count)
        let revoked = Set(hashes)
        revocationHandler.withLock { $0 }?(revoked)
        // Into this node's table too (its log then reports them, and `remember` keeps that quiet),
        // so `token list` tells the truth and the table decides right while Redis is away.
        store.async({ db in for hash in revoked { _ = try TokenStore(database: db).revoke(tokenHash: hash) } }) { _ in }
    }

    /// Hashes revoked through the cluster in the last minute (bounded: the oldest go first).
    private func remember(_ hashes: [String], now: UInt64) {
        for hash in hashes { recentRevocations[hash] = now }
        guard recentRevocations.count > 4096 else { return }
        let minute = MonotonicClock.seconds(60)
        recentRevocations = recentRevocations.filter { now &- $0.value < minute }
        while recentRevocations.count > 4096, let oldest = recentRevocations.min(by: { $0.value < $1.value }) {
            recentRevocations[oldest.key] = nil
        }
    }

    // MARK: Pushing this node's tokens

    func startTokenSync() {
        let sync = TokenSync(node: self)
        loop.execute { [self] in tokenSync = sync }
        sync.start()
    }

    /// On the loop: writes `records` to the shared table. A revocation in the shared table is
    /// never undone by a push (`active` is only set when absent).
    func push(_ records: [TokenRecord], completion: @escaping (Bool) -> Void) {
        guard !records.isEmpty else { return completion(true) }
        var left = records.count
        var ok = true
        let metrics = self.metrics
        for record in records {
            let key = tokenKeyPrefix + record.tokenHash
            var fields: [(String, [UInt8])] = [("user", Array(record.userId.utf8)), ("created", Array(String(record.createdAt).utf8))]
            if let expires = record.expiresAt { fields.append(("expires", Array(String(expires).utf8))) }
            commands.hset(key, fields)
            if record.isActive {
                commands.send(["HSETNX", .string(key), "active", "1"])
            } else {
                commands.send(["HSET", .string(key), "active", "0"])
            }
            let expiry: [RESPArgument]
            if !record.isActive {
                expiry = ["EXPIRE", .string(key), .integer(Self.revokedRecordSeconds)]
            } else if let expires = record.expiresAt {
                expiry = ["EXPIREAT", .string(key), .integer(expires)]
            } else {
                expiry = ["PERSIST", .string(key)]
            }
            commands.send(expiry) { result in
                if case .failure = result { ok = false }
                left -= 1
                if left == 0 {
                    if ok { metrics.tokensPushed.increment(by: records.count) } else { metrics.tokenPushFailures.increment(by: records.count) }
                    completion(ok)
                }
            }
        }
    }
}

/// Calls a completion once, from whichever of two loop tasks gets there first.
/// Loop-confined (both callers run on the node's loop), hence `@unchecked Sendable`.
private final class Once<T: Sendable>: @unchecked Sendable {
    private var completion: (@Sendable (T) -> Void)?
    init(_ completion: @escaping @Sendable (T) -> Void) { self.completion = completion }
    func fire(_ value: T) {
        let c = completion
        completion = nil
        c?(value)
    }
}
