/// One row of `whats_app_message` (Docs/whatsapp.md).
public struct StoredMessage: Sendable, Equatable {
    /// Row key; the upstream id too for every message that has one.
    public var id: String
    /// The upstream serialized message id (`UNIQUE`): what deduplicates redelivered webhooks.
    public var messageId: String
    public var chatId: String
    public var body: String
    public var fromMe: Bool
    /// Unix seconds (the message's own time, not when it was stored).
    public var timestamp: Int64
    /// `Sent`, `Received` or `Failed`.
    public var status: String
    /// -1 error, 0 pending, 1 server, 2 device, 3 read, 4 played.
    public var ack: Int
    public var type: String
    public var hasMedia: Bool
    /// The group sender; nil in 1:1 chats.
    public var author: String?
    /// Unix seconds when this server stored the row.
    public var createdAt: Int64

    public init(id: String, messageId: String, chatId: String, body: String, fromMe: Bool, timestamp: Int64,
                status: String, ack: Int, type: String, hasMedia: Bool, author: String?, createdAt: Int64) {
        self.id = id
        self.messageId = messageId
        self.chatId = chatId
        self.body = body
        self.fromMe = fromMe
        self.timestamp = timestamp
        self.status = status
        self.ack = ack
        self.type = type
        self.hasMedia = hasMedia
        self.author = author
        self.createdAt = createdAt
    }
}

/// The `whats_app_message` table. Not Sendable: use it on the queue its `Database` is confined to.
///
/// Duplicates are answers, not exceptions: `insert` reports whether a row was added, so the caller
/// publishes a message exactly once however often the upstream delivers it.
public final class MessageStore {
    private let database: Database

    /// Expects `Schema.migrations` (version 2 or later) to have been applied to `database`.
    public init(database: Database) { self.database = database }

    private static let columns =
        "id, message_id, chat_id, body, from_me, timestamp, status, ack, type, has_media, author, created_at"

    /// Adds the message unless its `messageId` is already stored; true when a row was added.
    @discardableResult
    public func insert(_ message: StoredMessage) throws -> Bool {
        try database.cachedStatement("""
            INSERT INTO whats_app_message (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(message_id) DO NOTHING
            """).execute([
                .text(message.id), .text(message.messageId), .text(message.chatId), .text(message.body),
                SQLiteValue(message.fromMe), .integer(message.timestamp), .text(message.status),
                SQLiteValue(message.ack), .text(message.type), SQLiteValue(message.hasMedia),
                SQLiteValue(message.author), .integer(message.createdAt),
            ])
        return database.changes == 1
    }

    /// Inserts every message in one transaction (one fsync); element i is true when message i was new.
    ///
    /// Joins the caller's transaction when one is already open (a group commit around several stores).
    @discardableResult
    public func insertMany(_ messages: [StoredMessage]) throws -> [Bool] {
        if database.isInTransaction { return try messages.map(insert) }
        return try database.inTransaction { try messages.map(insert) }
    }

    /// The newest `limit` messages of `chatId`, oldest first; equal timestamps keep insertion order.
    public func newest(chatId: String, limit: Int) throws -> [StoredMessage] {
        guard limit > 0 else { return [] }
        return try database.cachedStatement("""
            SELECT \(Self.columns) FROM (
                SELECT rowid AS position, \(Self.columns) FROM whats_app_message
                WHERE chat_id = ? ORDER BY timestamp DESC, rowid DESC LIMIT ?
            ) ORDER BY timestamp, position
            """).query([.text(chatId), SQLiteValue(limit)]).map(Self.message)
    }

    /// The row with this upstream message id, if stored.
    public func message(id messageId: String) throws -> StoredMessage? {
        try database.cachedStatement("SELECT \(Self.columns) FROM whats_app_message WHERE message_id = ?")
            .query([.text(messageId)]).first.map(Self.message)
    }

    /// Applies an ack; returns the updated row, or nil when the id is unknown or nothing changed.
    ///
    /// Acks only move forward (webhooks race, so `READ` may arrive before `DEVICE`): a lower ack is
    /// dropped, except that ERROR (-1) may replace PENDING (0), the only state a send can fail from.
    public func updateAck(messageId: String, ack: Int, status: String) throws -> StoredMessage? {
        try database.cachedStatement("""
            UPDATE whats_app_message SET ack = ?1, status = ?2
            WHERE message_id = ?3 AND (?1 > ack OR (?1 = -1 AND ack = 0))
            RETURNING \(Self.columns)
            """).query([SQLiteValue(ack), .text(status), .text(messageId)]).first.map(Self.message)
    }

    /// Sets the status (e.g. `Failed` after an upstream error); true when the row changed.
    @discardableResult
    public func updateStatus(messageId: String, status: String) throws -> Bool {
        try database.cachedStatement("UPDATE whats_app_message SET status = ?1 WHERE message_id = ?2 AND status <> ?1")
            .execute([.text(status), .text(messageId)])
        return database.changes == 1
    }

    private static func message(_ row: Row) throws -> StoredMessage {
        StoredMessage(id: try row.string(0), messageId: try row.string(1), chatId: try row.string(2),
                      body: try row.string(3), fromMe: try row.bool(4), timestamp: try row.int64(5),
                      status: try row.string(6), ack: try row.int(7), type: try row.string(8),
                      hasMedia: try row.bool(9), author: try row.optionalString(10), createdAt: try row.int64(11))
    }
}
