import CSQLite

/// One prepared statement. Confined, like its `Database`, to the caller's serial queue.
///
/// Finalized in `deinit`, or earlier by `Database.close()` for cached statements; using a
/// finalized statement throws `SQLITE_MISUSE` instead of touching freed memory.
public final class Statement {
    /// The SQL text this statement was prepared from (quoted in every error).
    public let sql: String
    private var handle: OpaquePointer?

    init(connection: OpaquePointer, sql: String, persistent: Bool) throws {
        self.sql = sql
        var prepared: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        // The tail pointer points into the C string, so it is read while that string is alive.
        let (code, trailingText) = sql.withCString { text -> (Int32, Bool) in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(connection, text, -1, flags, &prepared, &tail)
            let trailing = tail.map { !String(cString: $0).allSatisfy(\.isWhitespace) } ?? false
            return (code, trailing)
        }
        guard code == SQLITE_OK else {
            sqlite3_finalize(prepared)
            throw SQLiteError(connection: connection, code: code, sql: sql)
        }
        guard let prepared else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "no SQL statement in the text", sql: sql)
        }
        // Text after the first statement would be silently ignored: refuse it instead.
        if trailingText {
            sqlite3_finalize(prepared)
            throw SQLiteError(code: SQLITE_MISUSE,
                              message: "more than one statement; use Database.execute for scripts", sql: sql)
        }
        handle = prepared
    }

    deinit { sqlite3_finalize(handle) }

    /// Releases the statement now; later use throws. Idempotent.
    func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    /// Number of `?` parameters the SQL declares.
    public var parameterCount: Int { handle.map { Int(sqlite3_bind_parameter_count($0)) } ?? 0 }

    /// Binds `values` to parameters 1...n; the count must match the SQL exactly.
    public func bind(_ values: [SQLiteValue]) throws {
        let statement = try live()
        guard values.count == parameterCount else {
            throw SQLiteError(code: SQLITE_RANGE,
                              message: "\(values.count) values for \(parameterCount) parameters", sql: sql)
        }
        for (offset, value) in values.enumerated() { try bind(value, at: offset + 1, statement) }
    }

    /// Binds one value to the 1-based parameter `index`.
    public func bind(_ value: SQLiteValue, at index: Int) throws {
        try bind(value, at: index, try live())
    }

    private func bind(_ value: SQLiteValue, at index: Int, _ statement: OpaquePointer) throws {
        guard let position = Int32(exactly: index) else {
            throw SQLiteError(code: SQLITE_RANGE, message: "parameter index \(index) out of range", sql: sql)
        }
        let code: Int32
        switch value {
        case .null:
            code = sqlite3_bind_null(statement, position)
        case .integer(let number):
            code = sqlite3_bind_int64(statement, position, number)
        case .real(let number):
            code = sqlite3_bind_double(statement, position, number)
        case .text(let string):
            // Explicit byte length: text with an embedded NUL survives intact.
            var text = string
            code = text.withUTF8 { utf8 in
                utf8.withMemoryRebound(to: CChar.self) { chars in
                    guard let base = chars.baseAddress else {
                        return sqlite3_bind_text64(statement, position, "", 0, wp_sqlite_transient(), UInt8(SQLITE_UTF8))
                    }
                    return sqlite3_bind_text64(statement, position, base, UInt64(chars.count),
                                               wp_sqlite_transient(), UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let bytes):
            // A NULL pointer would bind SQL NULL; an empty blob must stay a blob.
            code = bytes.isEmpty
                ? sqlite3_bind_zeroblob(statement, position, 0)
                : bytes.withUnsafeBytes { raw in
                    sqlite3_bind_blob64(statement, position, raw.baseAddress, UInt64(raw.count), wp_sqlite_transient())
                }
        }
        guard code == SQLITE_OK else { throw error(code, statement) }
    }

    /// Advances one step: `true` when a row is available, `false` when the statement is done.
    public func step() throws -> Bool {
        let statement = try live()
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error(code, statement)
        }
    }

    /// The current row, valid after `step()` returned `true`.
    public func currentRow() throws -> Row { Row(statement: try live()) }

    /// Rewinds for another run; bindings stay unless `clearBindings()` is called.
    public func reset() {
        guard let handle else { return }
        // Returns the last step's error again, which was already thrown from step().
        sqlite3_reset(handle)
    }

    /// Sets every parameter back to NULL.
    public func clearBindings() {
        guard let handle else { return }
        sqlite3_clear_bindings(handle)
    }

    /// Binds `values`, runs to completion and rewinds, discarding any rows.
    public func execute(_ values: [SQLiteValue] = []) throws {
        reset()
        defer { reset() }
        try bind(values)
        while try step() {}
    }

    /// Binds `values` and collects every row.
    public func query(_ values: [SQLiteValue] = []) throws -> [Row] {
        var rows: [Row] = []
        try forEachRow(values) { rows.append($0) }
        return rows
    }

    /// Binds `values` and hands each row to `body` as it is stepped, without collecting them all.
    public func forEachRow(_ values: [SQLiteValue] = [], _ body: (Row) throws -> Void) throws {
        reset()
        defer { reset() }
        try bind(values)
        while try step() { try body(try currentRow()) }
    }

    private func live() throws -> OpaquePointer {
        guard let handle else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "statement used after its database was closed", sql: sql)
        }
        return handle
    }

    private func error(_ code: Int32, _ statement: OpaquePointer) -> SQLiteError {
        SQLiteError(connection: sqlite3_db_handle(statement), code: code, sql: sql)
    }
}
