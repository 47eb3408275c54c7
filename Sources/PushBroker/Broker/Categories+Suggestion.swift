import PushCodec

extension Categories {
    /// A declared spelling close to an undeclared topic, for "did you mean": the same name in
    /// another case (`Whatsapp` → `WhatsApp`, `whatsapp.1@c.us` → `WhatsApp.1@c.us`), else a
    /// category a typo or two away (`newNotifcation` → `newNotification`).
    ///
    /// Bounded cost, whatever a client sends: nothing is suggested for a topic longer than
    /// `maxSuggestionTopicBytes`, and only its head (before the first `.`, at most
    /// `Suggestion.maxTypedBytes`) is compared by edit distance (Docs/security.md).
    package func suggestion(for topic: String) -> String? {
        guard topic.utf8.count <= Self.maxSuggestionTopicBytes, resolve(topic) == nil else { return nil }
        let lower = topic.lowercased()
        for (name, folded) in foldedNames {
            if lower == folded { return name }
            if lower.hasPrefix(folded + ".") { return name + topic.dropFirst(name.count) }
        }
        let head = String(topic.prefix { $0 != "." })
        guard let close = Suggestion.closest(to: head, among: names) else { return nil }
        return close + topic.dropFirst(head.count)
    }

    /// The longest topic (UTF-8 bytes) "did you mean" looks at; real ones are far shorter.
    package static let maxSuggestionTopicBytes = 256
}

/// `CALL urn:wamp-push:topic [topic]`: whether the server would accept a subscription to the
/// topic. WAMP v1 has no answer to SUBSCRIBE, and EspoCRM's rule is to ignore undeclared topics
/// silently, so a client (`wamp-push subscribe`) asks this to warn its user instead.
package enum TopicInfo {
    package static let procedure = "urn:wamp-push:topic"

    /// `{"topic","declared","category","suggestion","categories"}`.
    package static func describe(_ topic: String, _ categories: Categories) -> JSONValue {
        let resolved = categories.resolve(topic)
        return .object([
            "topic": .string(topic),
            "declared": .bool(resolved != nil),
            "category": resolved.map { .string($0.category) } ?? .null,
            "suggestion": categories.suggestion(for: topic).map(JSONValue.string) ?? .null,
            "categories": .array(categories.names.sorted().map(JSONValue.string)),
        ])
    }
}
