import Dispatch
import Foundation

/// The SQLite database and the serial queue that owns it. Every statement runs on `queue`,
/// never on an event loop: loops hand work here and get the answer back on their own queue.
public final class StoreService: @unchecked Sendable {
    public let queue = DispatchQueue(label: "wamp-push.store", qos: .userInitiated)
    /// Touched only on `queue`.
    private let database: Database
    public let path: String

    /// Opens (creating directories) and migrates the database.
    public init(path: String) throws {
        self.path = path
        try DatabaseDirectory.prepare(forDatabase: path)
        database = try Database(path: path)
        try Migrator.migrate(database, Schema.migrations)
    }

    /// Runs `body` on the store queue and delivers the result to `completion` (on the store queue).
    public func async<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T,
                                   completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        queue.async { [self] in
            completion(Result { try body(self.database) })
        }
    }

    /// Runs `body` on the store queue and waits (start-up, CLI, tests; never from a loop).
    public func sync<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.sync { try body(database) }
    }

    /// For code already running on `queue` (timers of the store queue).
    package func withDatabaseOnQueue<T>(_ body: (Database) throws -> T) rethrows -> T {
        dispatchPrecondition(condition: .onQueue(queue))
        return try body(database)
    }

    public func close() {
        queue.sync { database.close() }
    }
}
