import PushCodec

/// One readable line for a WhatsApp event (what a person wants to see first: the chat, the
/// direction, the text), printed above the raw JSON, which carries the body four times.
/// The console page does the same in JavaScript (`summarize` in ConsolePage.swift).
enum EventSummary {
    static func line(_ payload: JSONValue) -> String? {
        let data = payload["data"]
        let chat = payload["chatId"]?.stringValue ?? data?["chatId"]?.stringValue
        switch payload["action"]?.stringValue {
        case "message":
            let direction = data?["fromMe"]?.boolValue == true ? "outgoing to" : "incoming from"
            let body = data?["body"]?.stringValue ?? ""
            return "WhatsApp message, \(direction) \(chat ?? "?"): \"\(clip(body))\""
        case "message_ack":
            let status = data?["status"]?.stringValue ?? "?"
            return "WhatsApp ack in \(chat ?? "?"): message \(data?["id"]?.stringValue ?? "?") is \(status)"
        case "lifecycle":
            return "WhatsApp session \(data?["sessionId"]?.stringValue ?? "?"): \(data?["state"]?.stringValue ?? "?")"
        default:
            return nil
        }
    }

    /// At most 80 characters, on one line.
    static func clip(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 80 ? String(line.prefix(79)) + "…" : line
    }
}
