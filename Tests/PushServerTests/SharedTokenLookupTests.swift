import Foundation
import Logging
@testable import PushBroker
import PushStore
import Synchronization
import Testing
import TestSupport

/// Tokens another node made are looked up in the shared table (cluster mode). A reconnect storm
/// of one user's tabs must ask it once, and a table that cannot answer must not turn into 401.
@Suite struct SharedTokenLookupTests {
    /// Holds every look-up until the test answers them all at once.
    final class HeldTable: SharedTokenTable {
        private let waiting = Mutex<[@Sendable (Result<TokenRecord?, SharedTokenError>) -> Void]>([])
        private let asked = Atomic<Int>(0)
        var lookups: Int { asked.load(ordering: .relaxed) }
        var pending: Int { waiting.withLock { $0.count } }

        func record(tokenHash: String, completion: @escaping @Sendable (Result<TokenRecord?, SharedTokenError>) -> Void) {
            asked.add(1, ordering: .relaxed)
            waiting.withLock { $0.append(completion) }
        }

        func answer(_ result: Result<TokenRecord?, SharedTokenError>) {
            for done in waiting.withLock({ w in defer { w = [] }; return w }) { done(result) }
        }
    }

    final class Outcomes: Sendable {
        let all = Mutex<[TokenAuthenticator.Outcome]>([])
        func add(_ o: TokenAuthenticator.Outcome) { all.withLock { $0.append(o) } }
        var count: Int { all.withLock { $0.count } }
    }

    static func withAuthenticator(_ table: HeldTable, _ body: (TokenAuthenticator) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "wamp-push-shared-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StoreService(path: directory + "/s.sqlite")
        defer { store.close() }
        try await body(TokenAuthenticator(store: store, verifier: nil, shared: table, log: Logger(label: "test")))
    }

    @Test func aStormOfOneToken_asksTheSharedTableOnce() async throws {
        let table = HeldTable()
        try await Self.withAuthenticator(table) { auth in
            let outcomes = Outcomes()
            for _ in 0..<200 { auth.authenticate(token: "tok-123", userId: "alice") { outcomes.add($0) } }
            // Every check passed the local table (on the store queue) and now waits on one look-up.
            #expect(await eventuallyAsync(20, every: 0.005) { table.pending == 1 && outcomes.count == 0 })
            try? await Task.sleep(nanoseconds: 50_000_000)
            #expect(table.lookups == 1)
            let record = TokenRecord(tokenHash: TokenStore.hash("tok-123"), userId: "alice", isActive: true,
                                     createdAt: 0, lastAccess: nil, expiresAt: nil)
            table.answer(.success(record))
            #expect(await eventuallyAsync(20, every: 0.005) { outcomes.count == 200 })
            #expect(outcomes.all.withLock { $0.allSatisfy { if case .admitted(userId: "alice", _) = $0 { true } else { false } } })
        }
    }

    @Test func anUnreachableSharedTable_isRetryLater_notUnknownToken() async throws {
        let table = HeldTable()
        try await Self.withAuthenticator(table) { auth in
            let outcomes = Outcomes()
            auth.authenticate(token: "made-on-another-node", userId: "bob") { outcomes.add($0) }
            #expect(await eventuallyAsync(20, every: 0.005) { table.pending == 1 })
            table.answer(.failure(SharedTokenError("redis down")))
            #expect(await eventuallyAsync(20, every: 0.005) { outcomes.count == 1 })
            let outcome = outcomes.all.withLock { $0.first }
            guard case .refused(let error)? = outcome else { Issue.record("got \(String(describing: outcome))"); return }
            #expect(error.status == 503)
        }
    }
}
