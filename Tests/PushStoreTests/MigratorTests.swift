import Testing
@testable import PushStore
import TestSupport

@Suite struct MigratorTests {
    let first = Migration(version: 1, name: "one", sql: "CREATE TABLE one (id INTEGER PRIMARY KEY)")
    let second = Migration(version: 2, name: "two", sql: "CREATE TABLE two (id INTEGER); CREATE INDEX two_id ON two(id);")
    let third = Migration(version: 3, name: "three", sql: "ALTER TABLE one ADD COLUMN label TEXT")

    @Test func migrate_appliesInOrderOnce() throws {
        try withFileDatabase { db, _ throws in
            #expect(try Migrator.migrate(db, [first, second]) == [1, 2])
            #expect(try Migrator.userVersion(db) == 2)
            #expect(try Migrator.migrate(db, [first, second]) == [])
            #expect(try Migrator.migrate(db, [first, second, third]) == [3])
            #expect(try Migrator.userVersion(db) == 3)
            #expect(try scalar(db, "SELECT count(*) FROM pragma_table_info('one') WHERE name = 'label'") == .integer(1))
        }
    }

    @Test func migrate_persistsAcrossReopen() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory.appendingPathComponent("m.sqlite").path
            let db = try Database(path: path)
            #expect(try Migrator.migrate(db, [first]) == [1])
            db.close()
            let reopened = try Database(path: path)
            #expect(try Migrator.migrate(reopened, [first, second]) == [2])
        }
    }

    @Test func migrate_refusesNewerSchema() throws {
        let db = try Database(path: ":memory:")
        try db.execute("PRAGMA user_version = 7")
        let error = try #require(throws: MigrationError.self) { try Migrator.migrate(db, [first, second, third]) }
        #expect(error == .schemaNewer(found: 7, known: 3))
        #expect(error.description == "database schema version 7 is newer than this wamp-push (knows up to 3)")
        #expect(try Migrator.userVersion(db) == 7)
    }

    @Test func migrate_rejectsNonIncreasingVersions() throws {
        let db = try Database(path: ":memory:")
        let error = try #require(throws: MigrationError.self) { try Migrator.migrate(db, [second, first]) }
        #expect(error == .invalidList("version 1 (one) must be greater than 2"))
        #expect(throws: MigrationError.self) { try Migrator.migrate(db, [first, first]) }
        #expect(throws: MigrationError.self) {
            try Migrator.migrate(db, [Migration(version: 0, name: "zero", sql: "SELECT 1")])
        }
        #expect(try Migrator.userVersion(db) == 0)
    }

    @Test func migrate_failingStepRollsBackAndKeepsEarlierSteps() throws {
        let db = try Database(path: ":memory:")
        let broken = Migration(version: 2, name: "broken", sql: "CREATE TABLE half (id INTEGER); CREATE TABLE one (x);")
        let error = try #require(throws: SQLiteError.self) { try Migrator.migrate(db, [first, broken]) }
        #expect(error.message == "table one already exists")
        #expect(try Migrator.userVersion(db) == 1)
        #expect(try scalar(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'half'") == .integer(0))
    }

    @Test func productSchema_createsAuthTokenTable() throws {
        let db = try Database(path: ":memory:")
        #expect(try Migrator.migrate(db, Schema.migrations) == [1, 2, 3])
        let columns = try db.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info('auth_token') ORDER BY cid")
            .query().map { try $0.string(0) + " " + $0.string(1) + " " + String(try $0.int64(2)) + String(try $0.int64(3)) }
        #expect(columns == [
            "token_hash TEXT 01", "user_id TEXT 10", "is_active INTEGER 10",
            "created_at INTEGER 10", "last_access INTEGER 00", "expires_at INTEGER 00",
        ])
        #expect(try scalar(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'auth_token_user_id'") == .integer(1))
    }
}
