import Foundation
@testable import PushStore

/// A unique directory under the system temp dir, removed when `body` returns.
func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("PushStoreTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try body(directory)
}

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
