import PushCodec

/// The line `wamp-push subscribe` prints for one topic, from the server's `urn:wamp-push:topic`
/// answer: `subscribed: X`, or a warning that the server ignores it, naming the declared ones.
enum SubscriptionCheck {
    static func line(_ topic: String, _ info: JSONValue) -> String {
        guard info["declared"]?.boolValue == false else { return "subscribed: \(topic)" }
        let declared = info["categories"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let suggestion = info["suggestion"]?.stringValue.map { " (did you mean \"\($0)\"?)" } ?? ""
        return "warning: the server ignores subscriptions to undeclared topics, and \(topic) is not declared\(suggestion); "
            + "declared: \(declared.joined(separator: ", ")) (a category also takes subtopics, e.g. WhatsApp.<chatId>)"
    }
}
