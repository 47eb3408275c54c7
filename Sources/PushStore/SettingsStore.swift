/// The `setting` table: run-time overrides of configuration (`saveSettings`'s `apiUrl`, `apiKey`, …).
///
/// Not Sendable: use it on the queue its `Database` is confined to.
public final class SettingsStore {
    private let database: Database

    /// Expects `Schema.migrations` (version 2 or later) to have been applied to `database`.
    public init(database: Database) { self.database = database }

    /// The stored value, or nil when the key was never set (or was cleared).
    public func get(_ key: String) throws -> String? {
        try database.cachedStatement("SELECT value FROM setting WHERE key = ?").query([.text(key)]).first?.string(0)
    }

    /// Stores `value` under `key`, replacing any earlier one; nil removes the key.
    public func set(_ key: String, _ value: String?) throws {
        guard let value else {
            try database.cachedStatement("DELETE FROM setting WHERE key = ?").execute([.text(key)])
            return
        }
        try database.cachedStatement("""
            INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value
            """).execute([.text(key), .text(value)])
    }

    /// Every stored setting, by key.
    public func all() throws -> [String: String] {
        var settings: [String: String] = [:]
        try database.cachedStatement("SELECT key, value FROM setting").forEachRow { settings[try $0.string(0)] = try $0.string(1) }
        return settings
    }
}
