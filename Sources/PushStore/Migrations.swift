/// One schema step; `version` is what `PRAGMA user_version` holds once it has been applied.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Why a migration run was refused before touching the schema.
public enum MigrationError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The database was written by a newer build; running on would misread it.
    case schemaNewer(found: Int, known: Int)
    /// The migration list itself is broken (a programming error, caught before any change).
    case invalidList(String)

    public var description: String {
        switch self {
        case .schemaNewer(let found, let known):
            "database schema version \(found) is newer than this wamp-push (knows up to \(known))"
        case .invalidList(let reason):
            "invalid migration list: \(reason)"
        }
    }
}

/// Brings a database up to date using `PRAGMA user_version` as the applied version.
public enum Migrator {
    /// Applies every migration newer than the database, each in its own transaction; returns their versions.
    @discardableResult
    public static func migrate(_ db: Database, _ migrations: [Migration]) throws -> [Int] {
        try validate(migrations)
        let current = try userVersion(db)
        let known = migrations.last?.version ?? 0
        guard current <= known else { throw MigrationError.schemaNewer(found: current, known: known) }

        var applied: [Int] = []
        for migration in migrations where migration.version > current {
            try db.inTransaction {
                try db.execute(migration.sql)
                // user_version lives in the file header and commits or rolls back with the DDL.
                try db.execute("PRAGMA user_version = \(migration.version)")
            }
            applied.append(migration.version)
        }
        return applied
    }

    /// The schema version recorded in the database (0 for a new file).
    public static func userVersion(_ db: Database) throws -> Int {
        try db.prepare("PRAGMA user_version").query().first?.int(0) ?? 0
    }

    private static func validate(_ migrations: [Migration]) throws {
        var previous = 0
        for migration in migrations {
            guard migration.version > previous else {
                throw MigrationError.invalidList(
                    "version \(migration.version) (\(migration.name)) must be greater than \(previous)")
            }
            previous = migration.version
        }
    }
}
