import Foundation
import Testing
@testable import PushStore
import TestSupport

@Suite struct MessageStoreTests {
    static func makeStore() throws -> (Database, MessageStore) {
        let db = try Database(path: ":memory:")
        try Migrator.migrate(db, Schema.migrations)
        return (db, MessageStore(database: db))
    }

    static func row(_ id: String, chat: String = "491701234567@c.us", body: String = "hi", fromMe: Bool = false,
                    at timestamp: Int64, ack: Int = 1, status: String? = nil, author: String? = nil) -> StoredMessage {
        StoredMessage(id: id, messageId: id, chatId: chat, body: body, fromMe: fromMe, timestamp: timestamp,
                      status: status ?? (fromMe ? "Sent" : "Received"), ack: ack, type: "chat", hasMedia: false,
                      author: author, createdAt: 1_800_000_000)
    }

    @Test func insert_isIdempotentByMessageId_andKeepsTheFirstRow() throws {
        let (db, store) = try Self.makeStore()
        let first = Self.row("false_1@c.us_A", body: "first", at: 10)
        #expect(try store.insert(first))
        #expect(try !store.insert(Self.row("false_1@c.us_A", body: "second", at: 11)))
        #expect(try store.message(id: "false_1@c.us_A") == first)
        #expect(try scalar(db, "SELECT count(*) FROM whats_app_message") == .integer(1))
    }

    @Test func insert_roundTripsEveryColumn_includingUnicodeBytes() throws {
        let (_, store) = try Self.makeStore()
        let body = "Mu\u{308}nchen \u{1F469}\u{1F3FD}\u{200D}\u{1F4BB} \u{5E9}\u{5DC}\u{5D5}\u{5DD}\nzweite Zeile"
        let message = StoredMessage(id: "row-1", messageId: "true_120363000000000001@g.us_B", chatId: "120363000000000001@g.us",
                                    body: body, fromMe: true, timestamp: 1_735_812_000, status: "Failed", ack: -1,
                                    type: "image", hasMedia: true, author: "11122233344455@lid", createdAt: 1_735_812_001)
        #expect(try store.insert(message))
        let stored = try #require(try store.message(id: "true_120363000000000001@g.us_B"))
        #expect(stored == message)
        #expect(Array(stored.body.utf8) == Array(body.utf8))
        #expect(try store.message(id: "row-1") == nil)  // looked up by the upstream id, not the row key
    }

    @Test func duplicateDeliveries_inOneBatch_leaveOneRow() throws {
        let (db, store) = try Self.makeStore()
        let message = Self.row("false_1@c.us_DUP", at: 10)
        // What a group commit of two concurrent deliveries of the same webhook does.
        #expect(try store.insertMany([message, message, Self.row("false_1@c.us_OTHER", at: 11), message]) == [true, false, true, false])
        #expect(try store.insertMany([message]) == [false])
        #expect(try scalar(db, "SELECT count(*) FROM whats_app_message WHERE message_id = 'false_1@c.us_DUP'") == .integer(1))
    }

    @Test func duplicateDeliveries_fromTwoConnections_leaveOneRow() throws {
        try withFileDatabase { db, directory throws in
            try Migrator.migrate(db, Schema.migrations)
            let other = try Database(path: directory.appendingPathComponent("push.sqlite").path)
            defer { other.close() }
            let message = Self.row("false_1@c.us_RACE", at: 10)
            #expect(try MessageStore(database: db).insert(message))
            #expect(try !MessageStore(database: other).insert(message))
            #expect(try scalar(db, "SELECT count(*) FROM whats_app_message") == .integer(1))
        }
    }

    @Test func insertMany_joinsAnOpenTransaction_andRollsBackWithIt() throws {
        let (db, store) = try Self.makeStore()
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try db.inTransaction {
                #expect(try store.insertMany([Self.row("false_1@c.us_T", at: 1)]) == [true])
                throw Abort()
            }
        }
        #expect(try store.message(id: "false_1@c.us_T") == nil)
    }

    @Test func insert_rowKeyClash_withADifferentMessageId_throws() throws {
        let (_, store) = try Self.makeStore()
        try store.insert(Self.row("same", at: 1))
        var clash = Self.row("other", at: 2)
        clash.id = "same"
        let error = try #require(throws: SQLiteError.self) { try store.insert(clash) }
        #expect(error.matches(.constraintPrimaryKey))
    }

    @Test func insert_emptyId_isRefusedByTheSchema() throws {
        let (_, store) = try Self.makeStore()
        let error = try #require(throws: SQLiteError.self) { try store.insert(Self.row("", at: 1)) }
        #expect(error.matches(.constraintCheck))
    }

    @Test func newest_returnsNewestNInAscendingOrder_tiesByInsertion() throws {
        let (_, store) = try Self.makeStore()
        let chat = "491701234567@c.us"
        // Inserted out of time order; "t20b" and "t20a" share a timestamp (insertion order b, a).
        for (id, time) in [("t30", 30), ("t10", 10), ("t20b", 20), ("t40", 40), ("t20a", 20), ("t05", 5)] {
            try store.insert(Self.row(id, chat: chat, at: Int64(time)))
        }
        try store.insert(Self.row("elsewhere", chat: "120363000000000001@g.us", at: 50))
        #expect(try store.newest(chatId: chat, limit: 4).map(\.id) == ["t20b", "t20a", "t30", "t40"])
        #expect(try store.newest(chatId: chat, limit: 3).map(\.id) == ["t20a", "t30", "t40"])
        #expect(try store.newest(chatId: chat, limit: 100).map(\.id) == ["t05", "t10", "t20b", "t20a", "t30", "t40"])
        #expect(try store.newest(chatId: chat, limit: 0).isEmpty)
        #expect(try store.newest(chatId: chat, limit: -1).isEmpty)
        #expect(try store.newest(chatId: "nobody@c.us", limit: 5).isEmpty)
    }

    @Test func updateAck_unknownId_isNil_andStoresNothing() throws {
        let (db, store) = try Self.makeStore()
        #expect(try store.updateAck(messageId: "true_1@c.us_NOPE", ack: 3, status: "Sent") == nil)
        #expect(try scalar(db, "SELECT count(*) FROM whats_app_message") == .integer(0))
    }

    @Test func updateAck_movesForwardOnly_andReturnsTheChangedRow() throws {
        let (_, store) = try Self.makeStore()
        try store.insert(Self.row("true_1@c.us_S", fromMe: true, at: 10, ack: 1))
        let read = try #require(try store.updateAck(messageId: "true_1@c.us_S", ack: 3, status: "Sent"))
        #expect(read.ack == 3 && read.status == "Sent" && read.body == "hi" && read.timestamp == 10)
        #expect(try store.updateAck(messageId: "true_1@c.us_S", ack: 3, status: "Sent") == nil)  // unchanged
        #expect(try store.updateAck(messageId: "true_1@c.us_S", ack: 2, status: "Sent") == nil)  // late DEVICE after READ
        #expect(try store.updateAck(messageId: "true_1@c.us_S", ack: -1, status: "Failed") == nil)
        #expect(try store.message(id: "true_1@c.us_S")?.ack == 3)
        #expect(try store.updateAck(messageId: "true_1@c.us_S", ack: 4, status: "Sent")?.ack == 4)
    }

    @Test func updateAck_errorReplacesPending() throws {
        let (_, store) = try Self.makeStore()
        try store.insert(Self.row("true_1@c.us_P", fromMe: true, at: 10, ack: 0))
        let failed = try #require(try store.updateAck(messageId: "true_1@c.us_P", ack: -1, status: "Failed"))
        #expect(failed.ack == -1 && failed.status == "Failed")
        #expect(try store.updateAck(messageId: "true_1@c.us_P", ack: -1, status: "Failed") == nil)
    }

    @Test func updateStatus_reportsWhetherTheRowChanged() throws {
        let (_, store) = try Self.makeStore()
        try store.insert(Self.row("true_1@c.us_F", fromMe: true, at: 10, ack: 0))
        #expect(try store.updateStatus(messageId: "true_1@c.us_F", status: "Failed"))
        #expect(try !store.updateStatus(messageId: "true_1@c.us_F", status: "Failed"))
        #expect(try !store.updateStatus(messageId: "unknown", status: "Failed"))
        #expect(try store.message(id: "true_1@c.us_F")?.status == "Failed")
    }

    @Test func settings_roundTrip_replace_andClear() throws {
        let db = try Database(path: ":memory:")
        try Migrator.migrate(db, Schema.migrations)
        let settings = SettingsStore(database: db)
        #expect(try settings.get("whatsapp.apiUrl") == nil)
        try settings.set("whatsapp.apiUrl", "http://127.0.0.1:3000")
        try settings.set("whatsapp.apiKey", "k\u{E4}y \u{1F511}")
        try settings.set("whatsapp.apiUrl", "http://waha:3000/")
        #expect(try settings.get("whatsapp.apiUrl") == "http://waha:3000/")
        #expect(try settings.get("whatsapp.apiKey") == "k\u{E4}y \u{1F511}")
        #expect(try settings.all() == ["whatsapp.apiUrl": "http://waha:3000/", "whatsapp.apiKey": "k\u{E4}y \u{1F511}"])
        try settings.set("whatsapp.apiKey", nil)
        #expect(try settings.get("whatsapp.apiKey") == nil)
        try settings.set("empty", "")
        #expect(try settings.get("empty") == "")
    }

    @Test func settings_surviveReopen() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory.appendingPathComponent("s.sqlite").path
            let first = try Database(path: path)
            try Migrator.migrate(first, Schema.migrations)
            try SettingsStore(database: first).set("whatsapp.sessionId", "espocrm-session")
            first.close()
            let reopened = try Database(path: path)
            defer { reopened.close() }
            #expect(try SettingsStore(database: reopened).get("whatsapp.sessionId") == "espocrm-session")
        }
    }

    @Test func migration2_appliesOnTopOfAVersion1Database_keepingTokens() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory.appendingPathComponent("v1.sqlite").path
            let v1 = try Database(path: path)
            #expect(try Migrator.migrate(v1, [Schema.authToken]) == [1])
            try TokenStore(database: v1).create(userId: "u1", token: "kept-token", now: 100)
            v1.close()

            let db = try Database(path: path)
            defer { db.close() }
            #expect(try Migrator.migrate(db, Schema.migrations) == [2, 3])
            #expect(try Migrator.userVersion(db) == 3)
            #expect(try TokenStore(database: db).check(token: "kept-token", userId: "u1", now: 200) == .valid(userId: "u1"))
            #expect(try MessageStore(database: db).insert(Self.row("false_1@c.us_M", at: 1)))
        }
    }

    @Test func migration2_createsTheSpecTableAndIndex() throws {
        let db = try Database(path: ":memory:")
        #expect(try Migrator.migrate(db, Schema.migrations) == [1, 2, 3])
        let columns = try db.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info('whats_app_message') ORDER BY cid")
            .query().map { try $0.string(0) + " " + $0.string(1) + " " + String(try $0.int64(2)) + String(try $0.int64(3)) }
        #expect(columns == [
            "id TEXT 11", "message_id TEXT 10", "chat_id TEXT 10", "body TEXT 10", "from_me INTEGER 10",
            "timestamp INTEGER 10", "status TEXT 10", "ack INTEGER 10", "type TEXT 10", "has_media INTEGER 10",
            "author TEXT 00", "created_at INTEGER 10",
        ])
        let index = try db.prepare("SELECT name FROM pragma_index_info('whats_app_message_chat_time') ORDER BY seqno")
            .query().map { try $0.string(0) }
        #expect(index == ["chat_id", "timestamp"])
        #expect(try scalar(db, """
            SELECT count(*) FROM pragma_index_list('whats_app_message') WHERE "unique" = 1 AND origin = 'u'
            """) == .integer(1))
        #expect(try scalar(db, "SELECT count(*) FROM pragma_table_info('setting')") == .integer(2))
    }
}
