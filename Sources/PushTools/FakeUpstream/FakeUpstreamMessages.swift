import PushCodec

/// Builds wwebjs Message JSON the way wwebjs-api serializes it (as in Fixtures/whatsapp-upstream/fetch-messages.json).
package enum FakeUpstreamMessages {
    /// The fake account's own number (`from` of what it sends, `to` of what it receives).
    package static let me = "491609876543@c.us"

    /// A fresh WhatsApp-Web-style message id: 20 upper-case hex digits.
    package static func newHexId() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: 16 - high.count) + high
        return "3EB0" + padded
    }

    /// The `id` object: `{fromMe, remote, id, _serialized}`.
    package static func id(fromMe: Bool, chatId: String, hex: String) -> JSONValue {
        ["fromMe": .bool(fromMe), "remote": .string(chatId), "id": .string(hex),
         "_serialized": .string("\(fromMe)_\(chatId)_\(hex)")]
    }

    /// What `sendMessage` returns: the fixture's message with this chat, text, time and a fresh id.
    package static func outgoing(template: JSONValue?, chatId: String, text: String, timestamp: Int64) -> JSONValue {
        var message = template?.objectValue ?? JSONObject()
        let me = message["from"]?.stringValue ?? Self.me
        message.set("id", id(fromMe: true, chatId: chatId, hex: newHexId()))
        message.set("body", .string(text))
        message.set("type", "chat")
        message.set("timestamp", .number(JSONNumber(timestamp)))
        message.set("from", .string(me))
        message.set("to", .string(chatId))
        message.set("fromMe", true)
        message.set("ack", 1) // waitUntilMsgSent: the server has it
        message.set("hasMedia", false)
        return .object(message)
    }

    /// An incoming text from `chatId`, as the `message` webhook and `fetchMessages` carry it.
    package static func incoming(chatId: String, text: String, timestamp: Int64, notifyName: String) -> JSONValue {
        let messageId = id(fromMe: false, chatId: chatId, hex: newHexId())
        return [
            "id": messageId, "body": .string(text), "type": "chat", "timestamp": .number(JSONNumber(timestamp)),
            "from": .string(chatId), "to": .string(me), "fromMe": false, "ack": 1, "hasMedia": false,
            "deviceType": "android", "isForwarded": false, "forwardingScore": 0, "isStatus": false,
            "broadcast": false, "hasQuotedMsg": false, "mentionedIds": [], "links": [],
            "_data": ["id": messageId, "type": "chat", "t": .number(JSONNumber(timestamp)), "notifyName": .string(notifyName)],
        ]
    }

    /// The chat a message belongs to: `id.remote`, else the other party.
    package static func chatId(of message: JSONValue) -> String? {
        if let remote = message["id"]?["remote"]?.stringValue { return remote }
        let fromMe = message["fromMe"]?.boolValue ?? false
        return (fromMe ? message["to"] : message["from"])?.stringValue
    }
}
