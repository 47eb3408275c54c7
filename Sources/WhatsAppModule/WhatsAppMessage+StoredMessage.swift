import PushStore

extension StoredMessage {
    /// The row for a parsed message: the row id is the upstream id too (events carry
    /// both as the same value, Docs/whatsapp.md), and `status` is derived from `fromMe` and `ack`.
    public init(_ message: WhatsAppMessage, createdAt: Int64) {
        self.init(id: message.id, messageId: message.id, chatId: message.chatId, body: message.body,
                  fromMe: message.fromMe, timestamp: message.timestamp, status: message.status, ack: message.ack,
                  type: message.type, hasMedia: message.hasMedia, author: message.author, createdAt: createdAt)
    }
}

extension WhatsAppMessage {
    /// The message a stored row holds; `id` is the upstream `messageId`.
    public init(_ row: StoredMessage) {
        self.init(id: row.messageId, chatId: row.chatId, body: row.body, fromMe: row.fromMe, timestamp: row.timestamp,
                  ack: row.ack, type: row.type, hasMedia: row.hasMedia, author: row.author)
    }
}
