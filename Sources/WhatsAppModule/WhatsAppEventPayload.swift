import PushBroker
import PushCodec
import PushStore

/// Event payloads on the `WhatsApp` topic, in the shape the CRM's existing widget reads
/// (`action` + `data`) with the message also under `message` (Docs/whatsapp.md, "Events on the `WhatsApp` topic").
package enum WhatsAppEventPayload {
    /// The category every WhatsApp event is published to (one name: `Categories.whatsApp`).
    package static let topic = Categories.whatsApp

    /// The message object `M` of an event. `id` and `messageId` are both the upstream id: the widget
    /// deduplicates pushed, polled and optimistic messages by it.
    package static func message(_ m: StoredMessage) -> JSONValue {
        var o: JSONObject = [:]
        o.set("id", .string(m.messageId))
        o.set("messageId", .string(m.messageId))
        o.set("body", .string(m.body))
        o.set("bodyPreview", .string(preview(m.body)))
        o.set("chatId", .string(m.chatId))
        o.set("fromMe", .bool(m.fromMe))
        o.set("timestamp", .number(JSONNumber(m.timestamp)))
        o.set("ack", .number(m.ack))
        o.set("status", .string(m.status))
        o.set("type", .string(m.type))
        o.set("hasMedia", .bool(m.hasMedia))
        o.set("author", m.author.map { .string($0) } ?? .null)
        return .object(o)
    }

    package static func newMessage(_ m: StoredMessage) -> JSONValue {
        envelope(action: "message", type: "message", chatId: m.chatId, timestamp: m.timestamp, data: message(m))
    }

    package static func ack(_ m: StoredMessage) -> JSONValue {
        let data: JSONValue = .object([
            "id": .string(m.messageId), "messageId": .string(m.messageId), "ack": .number(m.ack),
            "status": .string(m.status), "timestamp": .number(JSONNumber(m.timestamp)),
        ])
        return envelope(action: "message_ack", type: "ack", chatId: m.chatId, timestamp: m.timestamp, data: data)
    }

    package static func lifecycle(sessionId: String, state: String, timestamp: Int64) -> JSONValue {
        let data: JSONValue = .object(["sessionId": .string(sessionId), "state": .string(state)])
        var o: JSONObject = ["topicId": .string(topic), "action": "lifecycle", "type": "lifecycle"]
        o.set("timestamp", .number(JSONNumber(timestamp)))
        o.set("data", data)
        return .object(o)
    }

    private static func envelope(action: String, type: String, chatId: String, timestamp: Int64, data: JSONValue) -> JSONValue {
        var o: JSONObject = ["topicId": .string(topic), "action": .string(action), "type": .string(type)]
        o.set("chatId", .string(chatId))
        o.set("timestamp", .number(JSONNumber(timestamp)))
        o.set("data", data)
        o.set("message", data)
        return .object(o)
    }

    /// The first 100 characters, on a character boundary.
    package static func preview(_ body: String) -> String {
        body.count <= 100 ? body : String(body.prefix(100))
    }
}
