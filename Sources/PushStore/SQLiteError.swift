import CSQLite

/// A failed SQLite call: result codes, SQLite's own message and the SQL that was running.
public struct SQLiteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Primary result code (`SQLITE_CONSTRAINT` = 19), the low byte of `extendedCode`.
    public let resultCode: Int32
    /// Extended result code (`SQLITE_CONSTRAINT_UNIQUE` = 2067).
    public let extendedCode: Int32
    /// The message from `sqlite3_errmsg` (or our own, for misuse detected on the Swift side).
    public let message: String
    /// The statement being prepared or run, when there was one.
    public let sql: String?

    /// Builds an error from an explicit code; the primary code is derived from the extended one.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.resultCode = code & 0xff
        self.extendedCode = code
        self.message = message
        self.sql = sql
    }

    /// Captures the connection's current error state (call right after the failing call).
    init(connection: OpaquePointer?, code: Int32, sql: String?) {
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        // A failing call's own code wins if the connection reports a different family.
        let effective = (extended & 0xff) == (code & 0xff) ? extended : code
        let text = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        self.init(code: effective, message: text, sql: sql)
    }

    public var description: String {
        var text = "SQLite error \(resultCode) (\(extendedCode)): \(message)"
        if let sql { text += " - while executing \"\(sql)\"" }
        return text
    }

    /// True when this error has `code`: a primary code matches every extended code of its family.
    public func matches(_ code: Code) -> Bool {
        code.rawValue <= 0xff ? resultCode == code.rawValue : extendedCode == code.rawValue
    }

    /// A result code to match against with `matches(_:)`.
    public struct Code: RawRepresentable, Equatable, Hashable, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
    }
}

extension SQLiteError.Code {
    public static let error = Self(rawValue: SQLITE_ERROR)
    public static let busy = Self(rawValue: SQLITE_BUSY)
    public static let locked = Self(rawValue: SQLITE_LOCKED)
    public static let readOnly = Self(rawValue: SQLITE_READONLY)
    public static let ioError = Self(rawValue: SQLITE_IOERR)
    public static let corrupt = Self(rawValue: SQLITE_CORRUPT)
    public static let full = Self(rawValue: SQLITE_FULL)
    public static let cantOpen = Self(rawValue: SQLITE_CANTOPEN)
    public static let constraint = Self(rawValue: SQLITE_CONSTRAINT)
    public static let mismatch = Self(rawValue: SQLITE_MISMATCH)
    public static let misuse = Self(rawValue: SQLITE_MISUSE)
    public static let range = Self(rawValue: SQLITE_RANGE)
    public static let constraintUnique = Self(rawValue: 2067)      // SQLITE_CONSTRAINT_UNIQUE
    public static let constraintPrimaryKey = Self(rawValue: 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
    public static let constraintNotNull = Self(rawValue: 1299)     // SQLITE_CONSTRAINT_NOTNULL
    public static let constraintForeignKey = Self(rawValue: 787)   // SQLITE_CONSTRAINT_FOREIGNKEY
    public static let constraintCheck = Self(rawValue: 275)        // SQLITE_CONSTRAINT_CHECK
}
