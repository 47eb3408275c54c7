import CSQLite
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One SQLite connection, opened for a push server: WAL, `synchronous=FULL`, foreign keys on.
///
/// Not Sendable and not locked: the connection is opened without SQLite's own mutex, so the
/// caller must confine the `Database` and every `Statement` from it to ONE serial queue.
/// Set `confinementQueue` to have each call check that with `dispatchPrecondition`.
///
/// `synchronous=FULL` makes a COMMIT fsync the WAL before it returns, so a webhook `200`
/// sent after a commit means the row survives a power cut, not only a process crash.
public final class Database {
    /// The path given to `init` (`:memory:` for a private in-memory database).
    public let path: String
    /// When set, every call asserts it runs on this queue.
    public var confinementQueue: DispatchQueue?

    private var connection: OpaquePointer?
    private var statementCache: [String: Statement] = [:]

    /// Opens (creating if needed) the database at `path` and applies the connection pragmas.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws {
        self.path = path
        if !Self.isInMemory(path) { Self.createOwnerOnly(path) }
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let error = SQLiteError(connection: opened, code: code, sql: nil)
            sqlite3_close_v2(opened)
            throw SQLiteError(code: error.extendedCode, message: "cannot open \(path): \(error.message)")
        }
        connection = opened
        sqlite3_extended_result_codes(opened, 1)
        sqlite3_busy_timeout(opened, busyTimeoutMilliseconds)
        do {
            let mode = try pragmaText("PRAGMA journal_mode=WAL")
            // In-memory databases have no file to log beside; they report "memory".
            if !isInMemory, mode.lowercased() != "wal" {
                throw SQLiteError(code: SQLITE_ERROR, message: "journal_mode is \(mode), WAL required",
                                  sql: "PRAGMA journal_mode=WAL")
            }
            try execute("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    private var isInMemory: Bool { Self.isInMemory(path) }

    private static func isInMemory(_ path: String) -> Bool {
        path == ":memory:" || path.isEmpty || path.hasPrefix("file::memory:")
    }

    /// A new database file is created empty with mode 0600 before SQLite opens it: it holds the
    /// WhatsApp API key and the token table. SQLite gives the `-wal` and `-shm` files the mode of
    /// the database file, so they follow. An existing file is left as its operator set it
    /// (`O_EXCL`); any other failure is left for `sqlite3_open_v2` to report. `file:` URIs are
    /// SQLite's to interpret and are not touched.
    private static func createOwnerOnly(_ path: String) {
        guard !path.hasPrefix("file:") else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600))
        if fd >= 0 { closeDescriptor(fd) }
    }

    /// The permission bits of the database file (nil when there is no file to stat).
    public static func permissions(ofFileAt path: String) -> UInt16? {
        guard !isInMemory(path), !path.hasPrefix("file:") else { return nil }
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt16(info.st_mode & 0o777)
    }

    /// Checks the caller honours the confinement contract (no-op when `confinementQueue` is nil).
    public func assertConfined() {
        if let confinementQueue { dispatchPrecondition(condition: .onQueue(confinementQueue)) }
    }

    /// Runs one or more `;`-separated statements that take no parameters (schema, pragmas).
    public func execute(_ sql: String) throws {
        assertConfined()
        let connection = try live(sql)
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(connection, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            let error = SQLiteError(connection: connection, code: code, sql: sql)
            throw SQLiteError(code: error.extendedCode, message: message.map { String(cString: $0) } ?? error.message,
                              sql: sql)
        }
    }

    /// Prepares a one-off statement, finalized when the returned object is released.
    public func prepare(_ sql: String) throws -> Statement {
        assertConfined()
        return try Statement(connection: live(sql), sql: sql, persistent: false)
    }

    /// Returns the connection's long-lived statement for `sql`, rewound and with bindings cleared.
    public func cachedStatement(_ sql: String) throws -> Statement {
        assertConfined()
        if let statement = statementCache[sql] {
            statement.reset()
            statement.clearBindings()
            return statement
        }
        let statement = try Statement(connection: live(sql), sql: sql, persistent: true)
        statementCache[sql] = statement
        return statement
    }

    /// Runs `body` inside `BEGIN IMMEDIATE ... COMMIT`, rolling back and rethrowing the first error.
    ///
    /// IMMEDIATE takes the write lock up front, so a busy database fails (after the busy
    /// timeout) at BEGIN rather than half-way through the body. Transactions do not nest.
    public func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // The first error is the one worth reporting; a failed ROLLBACK adds nothing.
            if let connection, sqlite3_get_autocommit(connection) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Row id of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { connection.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int { connection.map { Int(sqlite3_changes64($0)) } ?? 0 }

    /// True while a transaction is open.
    public var isInTransaction: Bool { connection.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// Finalizes cached statements and closes the connection; safe to call twice.
    ///
    /// `sqlite3_close_v2` defers the real close until outstanding one-off statements are released.
    public func close() {
        guard let connection else { return }
        for statement in statementCache.values { statement.finalize() }
        statementCache.removeAll()
        sqlite3_close_v2(connection)
        self.connection = nil
    }

    private func live(_ sql: String) throws -> OpaquePointer {
        guard let connection else { throw SQLiteError(code: SQLITE_MISUSE, message: "database is closed", sql: sql) }
        return connection
    }

    private func pragmaText(_ sql: String) throws -> String {
        let rows = try prepare(sql).query()
        guard let first = rows.first else { return "" }
        return try first.string(0)
    }
}

/// libc `close`, out of reach of `Database.close()` inside the class.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
