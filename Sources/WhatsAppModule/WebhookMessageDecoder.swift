import PushCodec

/// Reads one serialized message (wwebjs `Message` JSON or WAHA `WAMessage`) into a `WhatsAppMessage`,
/// or decides it is not a message worth storing. Both upstream shapes share this.
package enum WebhookMessageDecoder {
    /// A decoded message, or the reason it is deliberately skipped.
    package enum Outcome: Equatable {
        case message(WhatsAppMessage)
        case ignored(String)
    }

    /// The Status feed's pseudo-chat: posts there are not conversation messages.
    package static let statusBroadcast = "status@broadcast"

    /// wwebjs `MessageTypes` that are protocol or system records, never something a person wrote.
    package static let systemTypes: Set<String> = [
        "e2e_notification", "notification", "notification_template", "gp2", "broadcast_notification",
        "call_log", "protocol", "ciphertext", "revoked", "reaction", "debug",
    ]

    package static func decode(_ fields: WebhookFields) throws(WebhookError) -> Outcome {
        let id = try messageID(fields)
        let idFields = fields.value("id")?.objectValue.map { WebhookFields($0, path: fields.path("id")) }
        let remote = try idFields?.serializedID("remote")
        guard let fromMe = try fromMe(fields, idFields, id) else { throw .missingField(fields.path("fromMe")) }
        let from = try fields.serializedID("from")
        let to = try fields.serializedID("to")
        // The chat is the other side (Docs/whatsapp.md: `chatId = fromMe ? to : from`); `id.remote` and the id's own chat segment
        // only stand in when the body leaves `from`/`to` out.
        guard let chatId = (fromMe ? to : from) ?? remote ?? SerializedMessageID.chatId(id) else {
            throw .missingField(fields.path(fromMe ? "to" : "from"))
        }
        let body = try fields.string("body") ?? ""
        let hasMedia = try fields.bool("hasMedia") ?? false
        // `_data` is the engine's raw model: read leniently, and only as a fallback.
        let raw = fields.value("_data")?.objectValue.map { WebhookFields($0, path: fields.path("_data")) }
        let type = try fields.string("type") ?? (try? raw?.string("type")) ?? (hasMedia ? "media" : "chat")
        guard let timestamp = try fields.timestamp("timestamp") ?? (try? raw?.timestamp("t")) else {
            throw .missingField(fields.path("timestamp"))
        }
        let ack = try ackNumber(fields) ?? 0
        // wwebjs names the group sender `author`; WAHA names it `participant`.
        let author = try fields.serializedID("author")
        let participant = try fields.serializedID("participant")
        let isStatus = try fields.bool("isStatus") ?? false

        if isStatus || [chatId, from, to, remote].contains(statusBroadcast) { return .ignored(statusBroadcast) }
        if systemTypes.contains(type) { return .ignored("system message type \(type)") }
        // Media keeps an empty body (the caption is optional); an empty text is nothing to show.
        if body.isEmpty, !hasMedia, type == "chat" { return .ignored("empty text message") }

        return .message(WhatsAppMessage(id: id, chatId: chatId, body: body, fromMe: fromMe, timestamp: timestamp,
                                        ack: ack, type: type, hasMedia: hasMedia, author: author ?? participant))
    }

    /// An ack body: wwebjs `data.message` (with `data.ack` passed as `ack`) or a WAHA `message.ack` payload.
    package static func decodeAck(_ fields: WebhookFields, ack explicitAck: Int?) throws(WebhookError) -> WebhookEvent {
        let id = try messageID(fields)
        let idFields = fields.value("id")?.objectValue.map { WebhookFields($0, path: fields.path("id")) }
        let number = try ackNumber(fields)
        guard let ack = explicitAck ?? number else { throw .missingField(fields.path("ack")) }
        // Acks are about messages this account sent, so an ack that does not say is taken as fromMe.
        let fromMe = try fromMe(fields, idFields, id) ?? true
        let from = try fields.serializedID("from")
        let to = try fields.serializedID("to")
        // For acks the id names the chat most reliably: WAHA puts the chat in `from` even for our own messages.
        let remote = try idFields?.serializedID("remote")
        let chatId = remote ?? SerializedMessageID.chatId(id) ?? (fromMe ? to : from)
        if chatId == statusBroadcast { return .ignored(reason: statusBroadcast) }
        return .ack(messageId: id, ack: ack, status: WhatsAppMessage.status(fromMe: fromMe, ack: ack), chatId: chatId)
    }

    /// `fromMe`, else `id.fromMe`, else the id's `true_`/`false_` prefix; nil when none says.
    private static func fromMe(_ fields: WebhookFields, _ idFields: WebhookFields?, _ id: String) throws(WebhookError) -> Bool? {
        if let flag = try fields.bool("fromMe") { return flag }
        if let flag = try idFields?.bool("fromMe") { return flag }
        return SerializedMessageID.fromMe(id)
    }

    /// `ack`, else WAHA's `ackName` mapped to its number; nil when neither is present.
    private static func ackNumber(_ fields: WebhookFields) throws(WebhookError) -> Int? {
        if let number = try fields.int("ack") { return number }
        guard let name = try fields.string("ackName") else { return nil }
        guard let number = WhatsAppMessage.ack(named: name) else {
            throw .invalidField(fields.path("ackName"), expected: "one of ERROR, PENDING, SERVER, DEVICE, READ, PLAYED",
                                found: .string(name))
        }
        return number
    }

    private static func messageID(_ fields: WebhookFields) throws(WebhookError) -> String {
        guard let id = try fields.serializedID("id") else { throw .missingID(fields.path("id")) }
        return id
    }
}

/// The parts of a serialized message id `{fromMe}_{chatId}_{messageId}[_{participant}]`.
package enum SerializedMessageID {
    /// `true`/`false` from the first segment; nil when the id is not in this form.
    package static func fromMe(_ id: String) -> Bool? {
        guard let parts = parts(id) else { return nil }
        return parts[0] == "true"
    }

    /// The chat segment; nil when the id is not in this form.
    package static func chatId(_ id: String) -> String? {
        parts(id).map { String($0[1]) }
    }

    private static func parts(_ id: String) -> [Substring]? {
        let parts = id.split(separator: "_", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "true" || parts[0] == "false", parts[1].contains("@"), !parts[2].isEmpty
        else { return nil }
        return parts
    }
}
