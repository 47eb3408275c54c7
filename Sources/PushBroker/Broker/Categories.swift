import PushConfig
/// A topic URI mapped onto a declared category (Docs/protocol.md, "Topics and the unified WhatsApp topic").
package struct ResolvedTopic: Equatable, Sendable {
    package init(category: String, params: [String: String], chatId: String?, isWhatsApp: Bool) {
        self.category = category
        self.params = params
        self.chatId = chatId
        self.isWhatsApp = isWhatsApp
    }

    package let category: String
    /// The category's paramList mapped from the topic's segments; the last one keeps its dots.
    package let params: [String: String]
    /// The chat of a WhatsApp-family topic (`WhatsApp.X`, `whatsapp.message.X`), if the topic names one.
    package let chatId: String?
    package let isWhatsApp: Bool
}

/// Declared categories, in EspoCRM's `app > webSocket > categories` format, and the unified
/// WhatsApp topic. Immutable after start-up.
package final class Categories: Sendable {
    package static let whatsApp = ServerConfig.whatsAppCategory
    /// The spelling the legacy backend published to: `whatsapp.message.<chatId>`.
    package static let legacyWhatsAppPrefix = "whatsapp.message."

    private let byName: [String: ServerConfig.Category]
    /// Longest first, so `popupNotifications.event` wins over a shorter `popupNotifications`.
    private let namesLongestFirst: [String]

    package init(_ categories: [String: ServerConfig.Category]) {
        byName = categories
        namesLongestFirst = categories.keys.sorted { $0.utf8.count > $1.utf8.count }
        foldedNames = namesLongestFirst.map { ($0, $0.lowercased()) }
    }

    /// Each name with its lowercase spelling, computed once (for "did you mean").
    let foldedNames: [(name: String, folded: String)]

    package func category(_ name: String) -> ServerConfig.Category? { byName[name] }

    /// The declared category names, longest first.
    package var names: [String] { namesLongestFirst }

    /// The category a topic belongs to, or nil when it is not declared (subscriptions to it are
    /// ignored; publishes to it are refused).
    package func resolve(_ topic: String) -> ResolvedTopic? {
        if byName[topic] != nil {
            return ResolvedTopic(category: topic, params: [:], chatId: nil, isWhatsApp: topic == Self.whatsApp)
        }
        if topic.hasPrefix(Self.legacyWhatsAppPrefix), let whatsapp = byName[Self.whatsApp] {
            let chat = String(topic.dropFirst(Self.legacyWhatsAppPrefix.count))
            guard !chat.isEmpty else { return nil }
            return resolved(Self.whatsApp, whatsapp, rest: chat)
        }
        // Byte-wise, so a long topic costs one prefix comparison per name, not a walk over
        // its Characters (`String.count`) per name.
        let bytes = topic.utf8
        for name in namesLongestFirst {
            let nameBytes = name.utf8
            guard bytes.count > nameBytes.count + 1, bytes.starts(with: nameBytes) else { continue }
            let dot = bytes.index(bytes.startIndex, offsetBy: nameBytes.count)
            guard bytes[dot] == UInt8(ascii: ".") else { continue }
            return resolved(name, byName[name]!, rest: String(topic[bytes.index(after: dot)...]))
        }
        return nil
    }

    private func resolved(_ name: String, _ category: ServerConfig.Category, rest: String) -> ResolvedTopic {
        let params = Self.mapParams(category.paramList, rest)
        let isWhatsApp = name == Self.whatsApp
        let chat = isWhatsApp ? (category.paramList.first.flatMap { params[$0] } ?? rest) : nil
        return ResolvedTopic(category: name, params: params, chatId: chat, isWhatsApp: isWhatsApp)
    }

    /// `scope.id` with paramList [scope, id]; the last parameter takes the rest, dots included
    /// (chat ids such as `393202696323@c.us` contain dots).
    package static func mapParams(_ names: [String], _ rest: String) -> [String: String] {
        guard !names.isEmpty else { return [:] }
        var params: [String: String] = [:]
        var remaining = Substring(rest)
        for (i, name) in names.enumerated() {
            if i == names.count - 1 {
                params[name] = String(remaining)
                break
            }
            guard let dot = remaining.firstIndex(of: ".") else {
                params[name] = String(remaining)
                break
            }
            params[name] = String(remaining[..<dot])
            remaining = remaining[remaining.index(after: dot)...]
        }
        return params
    }

    /// Every spelling an event for `resolved` (published as `topic`) must reach (Docs/protocol.md):
    /// a WhatsApp event for chat X goes to `WhatsApp`, `WhatsApp.X` and `whatsapp.message.X`.
    package static func deliverySpellings(topic: String, resolved: ResolvedTopic, chatId: String?) -> [String] {
        guard resolved.isWhatsApp else { return [topic] }
        guard let chat = chatId, !chat.isEmpty else { return [whatsApp] }
        return [whatsApp, "\(whatsApp).\(chat)", legacyWhatsAppPrefix + chat]
    }
}
