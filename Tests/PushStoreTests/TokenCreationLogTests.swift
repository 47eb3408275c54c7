import Testing
@testable import PushStore

/// Migration 3: the numbered log of new tokens a cluster node pushes from, and revocation
/// requests for tokens the local table does not hold.
@Suite struct TokenCreationLogTests {
    @Test func everyInsert_isLogged_inOrder_withItsRecord() throws {
        let (db, store) = try TokenStoreTests.makeStore()
        try store.create(userId: "u1", token: "first", now: 100)
        try store.create(userId: "u2", token: "second", expiresAt: 500, now: 101)
        // Another process's plain SQL is logged too.
        try db.execute("INSERT INTO auth_token (token_hash, user_id, created_at) VALUES ('abc', 'u3', 102)")
        let log = try store.creations(after: 0, limit: 10)
        #expect(log.map(\.tokenHash) == [TokenStore.hash("first"), TokenStore.hash("second"), "abc"])
        #expect(log.map(\.seq) == [1, 2, 3])
        #expect(log[1].record == TokenRecord(tokenHash: TokenStore.hash("second"), userId: "u2", isActive: true,
                                             createdAt: 101, lastAccess: nil, expiresAt: 500))
        #expect(try store.creations(after: 1, limit: 1).map(\.seq) == [2])
    }

    @Test func deletedToken_comesWithoutRecord_andPushedEntriesAreForgotten() throws {
        let (db, store) = try TokenStoreTests.makeStore()
        try store.create(userId: "u1", token: "gone", now: 100)
        try store.create(userId: "u1", token: "kept", now: 100)
        try db.execute("DELETE FROM auth_token WHERE user_id = 'u1' AND token_hash = '\(TokenStore.hash("gone"))'")
        let log = try store.creations(after: 0, limit: 10)
        #expect(log.map { $0.record == nil } == [true, false])
        try store.forgetCreations(through: 1)
        #expect(try store.creations(after: 0, limit: 10).map(\.seq) == [2])
        // Numbers are never reused (AUTOINCREMENT), so a poller's position stays valid.
        try store.forgetCreations(through: 2)
        try store.create(userId: "u1", token: "third", now: 100)
        #expect(try store.creations(after: 0, limit: 10).map(\.seq) == [3])
    }

    @Test func requestedRevocation_isLoggedLikeARevocation() throws {
        let (_, store) = try TokenStoreTests.makeStore()
        try store.requestRevocation(tokenHash: "not-held-here")
        #expect(try store.revocations(after: 0).map(\.tokenHash) == ["not-held-here"])
    }
}
