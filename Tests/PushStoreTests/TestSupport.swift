import Foundation
@testable import PushStore
import TestSupport

/// Opens a fresh file database in its own temp directory for the duration of `body`.
func withFileDatabase(_ body: (Database, URL) throws -> Void) throws {
    try withTemporaryDirectory { directory in
        let database = try Database(path: directory.appendingPathComponent("push.sqlite").path)
        defer { database.close() }
        try body(database, directory)
    }
}

/// Reads the single value of a one-row, one-column query.
func scalar(_ database: Database, _ sql: String, _ values: [SQLiteValue] = []) throws -> SQLiteValue {
    try database.prepare(sql).query(values).first?[0] ?? .null
}

struct ExpectedFailure: Error, Equatable {}
