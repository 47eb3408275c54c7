import Dispatch
import Testing
@testable import PushStore
import TestSupport

@Suite struct DatabaseTests {
    @Test func fileDatabase_usesWalFullSyncForeignKeysAndBusyTimeout() throws {
        try withFileDatabase { db, _ throws in
            #expect(try scalar(db, "PRAGMA journal_mode") == .text("wal"))
            #expect(try scalar(db, "PRAGMA synchronous") == .integer(2))  // FULL
            #expect(try scalar(db, "PRAGMA foreign_keys") == .integer(1))
            #expect(try scalar(db, "PRAGMA busy_timeout") == .integer(5000))
        }
    }

    @Test func secondWriter_waitsForBusyTimeoutThenThrowsBusy() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory.appendingPathComponent("busy.sqlite").path
            let holder = try Database(path: path)
            let waiter = try Database(path: path, busyTimeoutMilliseconds: 100)
            try holder.execute("CREATE TABLE t (v INTEGER)")
            try holder.execute("BEGIN IMMEDIATE")
            let started = ContinuousClock.now
            let error = try #require(throws: SQLiteError.self) {
                try waiter.inTransaction { try waiter.prepare("INSERT INTO t VALUES (1)").execute() }
            }
            #expect(ContinuousClock.now - started >= .milliseconds(100))
            #expect(error.matches(.busy))
            #expect(error.sql == "BEGIN IMMEDIATE")
            try holder.execute("INSERT INTO t VALUES (2); COMMIT;")
            // WAL: the committed row is visible to the other connection at once.
            #expect(try scalar(waiter, "SELECT v FROM t") == .integer(2))
        }
    }

    @Test func busyTimeout_isConfigurable() throws {
        let db = try Database(path: ":memory:", busyTimeoutMilliseconds: 250)
        #expect(try scalar(db, "PRAGMA busy_timeout") == .integer(250))
    }

    @Test func memoryDatabase_opensWithMemoryJournal() throws {
        let db = try Database(path: ":memory:")
        #expect(try scalar(db, "PRAGMA journal_mode") == .text("memory"))
    }

    @Test func open_failsWithCantOpen_forMissingDirectory() throws {
        #expect {
            _ = try Database(path: "/nonexistent-dir-\(UInt64.random(in: 0...UInt64.max))/x.sqlite")
        } throws: { error in
            (error as? SQLiteError)?.matches(.cantOpen) == true
        }
    }

    @Test func uniqueViolation_reportsExtendedCodeMessageAndSQL() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        let insert = "INSERT INTO t (name) VALUES (?)"
        try db.prepare(insert).execute(["alice"])
        let error = try #require(throws: SQLiteError.self) { try db.prepare(insert).execute(["alice"]) }
        #expect(error.resultCode == 19)
        #expect(error.extendedCode == 2067)
        #expect(error.matches(.constraint))
        #expect(error.matches(.constraintUnique))
        #expect(!error.matches(.constraintPrimaryKey))
        #expect(!error.matches(.busy))
        #expect(error.message == "UNIQUE constraint failed: t.name")
        #expect(error.sql == insert)
        #expect(error.description
            == "SQLite error 19 (2067): UNIQUE constraint failed: t.name - while executing \"INSERT INTO t (name) VALUES (?)\"")
    }

    @Test func codeConstants_matchSQLiteHeaders() {
        #expect(SQLiteError.Code.busy.rawValue == 5)
        #expect(SQLiteError.Code.constraint.rawValue == 19)
        #expect(SQLiteError.Code.constraintUnique.rawValue == (19 | (8 << 8)))
        #expect(SQLiteError.Code.constraintPrimaryKey.rawValue == (19 | (6 << 8)))
        #expect(SQLiteError.Code.constraintNotNull.rawValue == (19 | (5 << 8)))
        #expect(SQLiteError.Code.constraintForeignKey.rawValue == (19 | (3 << 8)))
    }

    @Test func foreignKeyViolation_isRefused() throws {
        let db = try Database(path: ":memory:")
        try db.execute("""
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (parent_id INTEGER REFERENCES parent(id));
            """)
        let error = try #require(throws: SQLiteError.self) {
            try db.prepare("INSERT INTO child VALUES (42)").execute()
        }
        #expect(error.extendedCode == 787)
    }

    @Test func execute_reportsSyntaxErrorWithSQL() throws {
        let db = try Database(path: ":memory:")
        let error = try #require(throws: SQLiteError.self) { try db.execute("CREATE TABLE (") }
        #expect(error.resultCode == 1)
        #expect(error.sql == "CREATE TABLE (")
        #expect(error.message.contains("syntax error"))
    }

    @Test func inTransaction_commitsAndReturnsBodyResult() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v INTEGER)")
        let id = try db.inTransaction { () throws -> Int64 in
            try db.prepare("INSERT INTO t VALUES (7)").execute()
            return db.lastInsertRowID
        }
        #expect(id == 1)
        #expect(!db.isInTransaction)
        #expect(try scalar(db, "SELECT count(*) FROM t") == .integer(1))
    }

    @Test func inTransaction_rollsBackAndRethrowsBodyError() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v INTEGER)")
        #expect(throws: ExpectedFailure.self) {
            try db.inTransaction {
                try db.prepare("INSERT INTO t VALUES (1)").execute()
                throw ExpectedFailure()
            }
        }
        #expect(!db.isInTransaction)
        #expect(try scalar(db, "SELECT count(*) FROM t") == .integer(0))
    }

    @Test func inTransaction_rollsBackEarlierWrites_whenALaterStatementFails() throws {
        try withFileDatabase { db, _ throws in
            try db.execute("CREATE TABLE t (v INTEGER UNIQUE)")
            let error = try #require(throws: SQLiteError.self) {
                try db.inTransaction {
                    try db.cachedStatement("INSERT INTO t VALUES (?)").execute([1])
                    try db.cachedStatement("INSERT INTO t VALUES (?)").execute([1])
                }
            }
            #expect(error.matches(.constraintUnique))
            #expect(try scalar(db, "SELECT count(*) FROM t") == .integer(0))
        }
    }

    @Test func changes_countsRowsOfLastStatement() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2), (3);")
        try db.prepare("UPDATE t SET v = v + 1 WHERE v >= 2").execute()
        #expect(db.changes == 2)
    }

    @Test func cachedStatement_isReusedWithBindingsCleared() throws {
        let db = try Database(path: ":memory:")
        let first = try db.cachedStatement("SELECT ?")
        #expect(try first.query([41]).first?[0] == .integer(41))
        try first.bind(.integer(5), at: 1)
        let second = try db.cachedStatement("SELECT ?")
        #expect(first === second)
        // Bindings were cleared, so stepping without binding yields NULL rather than 5.
        #expect(try second.step())
        #expect(try second.currentRow()[0] == .null)
        // Reused mid-iteration: the cache rewinds it.
        let third = try db.cachedStatement("SELECT ?")
        #expect(try third.query(["x"]) == [Row(values: [.text("x")])])
        #expect(try db.cachedStatement("SELECT ? + 1") !== first)
    }

    @Test func close_isIdempotentAndLaterUseThrowsMisuse() throws {
        let db = try Database(path: ":memory:")
        let cached = try db.cachedStatement("SELECT 1")
        let oneOff = try db.prepare("SELECT 2")
        db.close()
        db.close()
        #expect(throws: SQLiteError(code: 21, message: "database is closed", sql: "SELECT 3")) {
            try db.execute("SELECT 3")
        }
        let error = try #require(throws: SQLiteError.self) { try cached.query() }
        #expect(error.matches(.misuse))
        // A one-off statement keeps the zombie connection alive until it is released.
        #expect(try oneOff.query() == [Row(values: [.integer(2)])])
    }

    @Test func confinementQueue_allowsCallsOnThatQueue() throws {
        let queue = DispatchQueue(label: "store-test")
        let db = try Database(path: ":memory:")
        db.confinementQueue = queue
        let value = try queue.sync { try scalar(db, "SELECT 6 * 7") }
        #expect(value == .integer(42))
    }
}
