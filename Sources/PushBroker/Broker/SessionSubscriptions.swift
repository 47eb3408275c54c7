/// One session's subscriptions: topic URI → where the session sits in that topic.
///
/// Most sessions hold one subscription (a CRM tab subscribes to its user's notifications), so the
/// first lives inline and costs no heap block; a hashed table is made only for the second and
/// later ones, and dropped again when they are gone (Docs/benchmarks.md, "Idle memory per
/// connection"). Keys are each topic's own `uri`, so sessions share the topic's string.
/// Loop-confined with its session.
package struct SessionSubscriptions {
    /// The first subscription; never also a key of `rest`.
    private var first: SubscriptionPosition?
    private var rest: [String: SubscriptionPosition] = [:]

    package init() {}

    package var count: Int { (first == nil ? 0 : 1) + rest.count }
    package var isEmpty: Bool { first == nil && rest.isEmpty }

    /// Every subscribed topic URI.
    package var uris: [String] {
        var all = Array(rest.keys)
        if let first { all.append(first.topic.uri) }
        return all
    }

    package subscript(uri: String) -> SubscriptionPosition? {
        if let first, first.topic.uri == uri { return first }
        return rest.isEmpty ? nil : rest[uri]
    }

    /// Adds or replaces the entry for `entry.topic.uri`.
    package mutating func set(_ entry: SubscriptionPosition) {
        let uri = entry.topic.uri
        if let first, first.topic.uri == uri {
            self.first = entry
        } else if first == nil && (rest.isEmpty || rest[uri] == nil) {
            first = entry
        } else {
            rest[uri] = entry
        }
    }

    /// Moves the entry for `uri` to a new place in its group (after a swap-remove).
    package mutating func move(_ uri: String, toPosition position: Int) {
        if let first, first.topic.uri == uri {
            self.first!.position = position
        } else {
            rest[uri]?.position = position
        }
    }

    package mutating func remove(_ uri: String) -> SubscriptionPosition? {
        if let first, first.topic.uri == uri {
            self.first = nil
            return first
        }
        guard !rest.isEmpty, let removed = rest.removeValue(forKey: uri) else { return nil }
        if rest.isEmpty { rest = [:] } // give the table's storage back
        return removed
    }
}
