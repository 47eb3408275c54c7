import PushStore

enum DurabilityStore {
    static func messageIds(_ path: String) throws -> [String] {
        let db = try Database(path: path)
        defer { db.close() }
        return try db.prepare("SELECT message_id FROM whats_app_message").query().map { try $0.string(0) }
    }
}
