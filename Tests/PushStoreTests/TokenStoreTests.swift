import Foundation
import Testing
@testable import PushStore
import TestSupport

@Suite struct TokenStoreTests {
    static func makeStore() throws -> (Database, TokenStore) {
        let db = try Database(path: ":memory:")
        try Migrator.migrate(db, Schema.migrations)
        return (db, TokenStore(database: db))
    }

    @Test func hash_isLowercaseHexSHA256OfUTF8() {
        #expect(TokenStore.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func strip_keepsOnlyLettersDigitsAndDash() {
        #expect(TokenStore.strip("abc-DEF-019") == "abc-DEF-019")
        #expect(TokenStore.strip(" a_b.c/d\u{0}e ") == "abcde")
        #expect(TokenStore.strip("tökén✓1") == "tkn1")   // every byte of a multi-byte character goes
        #expect(TokenStore.strip("") == "")
        #expect(TokenStore.strip("!!") == "")
    }

    @Test func generateToken_is64LowercaseHexAndRandom() {
        let a = TokenStore.generateToken(), b = TokenStore.generateToken()
        #expect(a.utf8.count == 64)
        #expect(a.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        #expect(a != b)
    }

    @Test func check_coversEveryOutcome() throws {
        let (_, store) = try Self.makeStore()
        let good = try store.create(userId: "u1", now: 100)
        let revoked = try store.create(userId: "u1", token: "revoked-token", now: 100)
        let old = try store.create(userId: "u1", token: "old-token", expiresAt: 150, now: 100)
        try store.revoke(token: revoked)

        #expect(try store.check(token: good, userId: "u1", now: 200) == .valid(userId: "u1"))
        #expect(try store.check(token: "never-issued", userId: "u1", now: 200) == .unknown)
        #expect(try store.check(token: good, userId: "u2", now: 200) == .userMismatch)
        #expect(try store.check(token: revoked, userId: "u1", now: 200) == .inactive)
        #expect(try store.check(token: old, userId: "u1", now: 200) == .expired)
    }

    @Test func check_expiryBoundary_expiresAtEqualNowIsExpired() throws {
        let (_, store) = try Self.makeStore()
        let token = try store.create(userId: "u", expiresAt: 1_000, now: 1)
        #expect(try store.check(token: token, userId: "u", now: 999) == .valid(userId: "u"))
        #expect(try store.check(token: token, userId: "u", now: 1_000) == .expired)
        #expect(try store.check(token: token, userId: "u", now: 1_001) == .expired)
    }

    @Test func create_storesGivenTokenHashedWithFields() throws {
        let (_, store) = try Self.makeStore()
        let returned = try store.create(userId: "crm-user", token: "from-crm", expiresAt: 500, now: 42)
        #expect(returned == "from-crm")
        #expect(try store.list() == [TokenRecord(tokenHash: TokenStore.hash("from-crm"), userId: "crm-user",
                                                 isActive: true, createdAt: 42, lastAccess: nil, expiresAt: 500)])
    }

    @Test func create_refusesDuplicatesAndEmptyInput() throws {
        let (_, store) = try Self.makeStore()
        try store.create(userId: "u1", token: "same", now: 1)
        #expect(throws: TokenStoreError.duplicateToken) { try store.create(userId: "u2", token: "same", now: 2) }
        #expect(throws: TokenStoreError.emptyToken) { try store.create(userId: "u1", token: "", now: 2) }
        #expect(throws: TokenStoreError.emptyUserId) { try store.create(userId: "", now: 2) }
        #expect(try store.list().map(\.userId) == ["u1"])
    }

    @Test func revoke_byTokenAndByHash() throws {
        let (_, store) = try Self.makeStore()
        let a = try store.create(userId: "u", now: 1)
        let b = try store.create(userId: "u", now: 2)
        #expect(try store.revoke(token: a))
        #expect(try !store.revoke(token: a))  // already inactive
        #expect(try !store.revoke(token: "unknown"))
        #expect(try store.revoke(tokenHash: TokenStore.hash(b)))
        #expect(try store.list().map(\.isActive) == [false, false])
    }

    @Test func revokeAll_deactivatesOnlyThatUsersActiveTokens() throws {
        let (_, store) = try Self.makeStore()
        let a1 = try store.create(userId: "alice", now: 1)
        let a2 = try store.create(userId: "alice", now: 2)
        let a3 = try store.create(userId: "alice", now: 3)
        let b1 = try store.create(userId: "bob", now: 4)
        try store.revoke(token: a3)
        #expect(try store.revokeAll(userId: "alice") == [TokenStore.hash(a1), TokenStore.hash(a2)].sorted())
        #expect(try store.revokeAll(userId: "alice") == [])
        #expect(try store.check(token: a1, userId: "alice", now: 5) == .inactive)
        #expect(try store.check(token: b1, userId: "bob", now: 5) == .valid(userId: "bob"))
    }

    @Test func list_isOrderedByCreationAndIsEmptyTracksRows() throws {
        let (_, store) = try Self.makeStore()
        #expect(try store.isEmpty())
        try store.create(userId: "late", token: "t-late", now: 20)
        try store.create(userId: "early", token: "t-early", expiresAt: 99, now: 10)
        #expect(try !store.isEmpty())
        #expect(try store.list() == [
            TokenRecord(tokenHash: TokenStore.hash("t-early"), userId: "early", isActive: true, createdAt: 10,
                        lastAccess: nil, expiresAt: 99),
            TokenRecord(tokenHash: TokenStore.hash("t-late"), userId: "late", isActive: true, createdAt: 20,
                        lastAccess: nil, expiresAt: nil),
        ])
        try store.revoke(token: "t-late")
        try store.revoke(token: "t-early")
        #expect(try !store.isEmpty())  // revoked rows still count
    }

    @Test func touch_recordsLastAccessButSkipsRecentWrites() throws {
        let (_, store) = try Self.makeStore()
        let hash = TokenStore.hash(try store.create(userId: "u", now: 1))
        #expect(try store.touch(tokenHash: hash, now: 100))
        #expect(try !store.touch(tokenHash: hash, now: 130))  // within 60 s
        #expect(try store.list().first?.lastAccess == 100)
        #expect(try store.touch(tokenHash: hash, now: 160))
        #expect(try store.touch(tokenHash: hash, now: 161, minInterval: 0))
        #expect(try store.list().first?.lastAccess == 161)
        #expect(try !store.touch(tokenHash: "no-such-hash", now: 500))
    }

    @Test func fileOnDisk_neverContainsThePlainToken() throws {
        try withTemporaryDirectory { directory throws in
            let db = try Database(path: directory.appendingPathComponent("tokens.sqlite").path)
            try Migrator.migrate(db, Schema.migrations)
            let store = TokenStore(database: db)
            let generated = try store.create(userId: "alice", now: 1)
            let given = try store.create(userId: "bob", token: "espo-session-token-0123456789", now: 2)
            #expect(try store.check(token: given, userId: "bob", now: 3) == .valid(userId: "bob"))
            db.close()

            var bytes = Data()
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
                bytes.append(try Data(contentsOf: directory.appendingPathComponent(name)))
            }
            #expect(!bytes.isEmpty)
            for token in [generated, given] {
                #expect(bytes.range(of: Data(token.utf8)) == nil, "plain token found on disk")
                // The scan can see text: the hash itself must be there.
                #expect(bytes.range(of: Data(TokenStore.hash(token).utf8)) != nil)
            }
        }
    }
}
