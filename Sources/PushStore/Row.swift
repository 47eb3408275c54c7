import CSQLite

/// One result row, copied out of the statement so it outlives the next `step()`.
public struct Row: Equatable, Sendable {
    /// Column values in SELECT order.
    public let values: [SQLiteValue]

    public init(values: [SQLiteValue]) { self.values = values }

    /// Copies the current row of a statement that just returned `SQLITE_ROW`.
    init(statement: OpaquePointer) {
        let count = sqlite3_column_count(statement)
        values = (0..<count).map { Row.columnValue(statement, $0) }
    }

    static func columnValue(_ statement: OpaquePointer, _ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            // Length first, then pointer: sqlite3_column_bytes may convert and move the text.
            let length = Int(sqlite3_column_bytes(statement, index))
            guard let text = sqlite3_column_text(statement, index) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            let length = Int(sqlite3_column_bytes(statement, index))
            // A zero-length blob comes back as a NULL pointer but keeps the BLOB class.
            guard let blob = sqlite3_column_blob(statement, index), length > 0 else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: blob, count: length)))
        default:
            return .null
        }
    }

    public var count: Int { values.count }

    public subscript(index: Int) -> SQLiteValue { values.indices.contains(index) ? values[index] : .null }

    public func isNull(_ index: Int) -> Bool { self[index] == .null }

    public func int64(_ index: Int) throws -> Int64 {
        guard case .integer(let value) = try column(index) else { throw mismatch(index, "integer") }
        return value
    }

    public func optionalInt64(_ index: Int) throws -> Int64? {
        try column(index) == .null ? nil : int64(index)
    }

    public func int(_ index: Int) throws -> Int {
        let value = try int64(index)
        guard let narrowed = Int(exactly: value) else { throw mismatch(index, "Int") }
        return narrowed
    }

    /// Integers widen to Double; text does not convert.
    public func double(_ index: Int) throws -> Double {
        switch try column(index) {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: throw mismatch(index, "real")
        }
    }

    /// Any non-zero integer is true.
    public func bool(_ index: Int) throws -> Bool { try int64(index) != 0 }

    public func string(_ index: Int) throws -> String {
        guard case .text(let value) = try column(index) else { throw mismatch(index, "text") }
        return value
    }

    public func optionalString(_ index: Int) throws -> String? {
        try column(index) == .null ? nil : string(index)
    }

    public func blob(_ index: Int) throws -> [UInt8] {
        guard case .blob(let value) = try column(index) else { throw mismatch(index, "blob") }
        return value
    }

    private func column(_ index: Int) throws -> SQLiteValue {
        guard values.indices.contains(index) else {
            throw SQLiteError(code: SQLITE_RANGE, message: "column \(index) out of range (row has \(values.count))")
        }
        return values[index]
    }

    private func mismatch(_ index: Int, _ expected: String) -> SQLiteError {
        // Names the storage class only: the value itself may be a secret.
        SQLiteError(code: SQLITE_MISMATCH, message: "column \(index) is \(values[index].storageClass), expected \(expected)")
    }
}

extension SQLiteValue {
    /// SQLite's name for the storage class, for error messages.
    var storageClass: String {
        switch self {
        case .null: "NULL"
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        case .blob: "BLOB"
        }
    }
}
