/// One entry of a topic's subscriber list. `unowned(unsafe)`: the fan-out walks thousands of
/// these per event, and a strong reference would cost a retain and a release each. Safe because
/// an indexed session is held strongly by its `WebSocketHandler` (held by its connection, held by
/// its loop), and leaves the index in `webSocketDidClose`, which the handler calls while it still
/// holds the session (`finishSession`), so before the session can be freed. Debug builds (every
/// test run) use checked `unowned`, so a broken invariant traps at the stale read instead of
/// reading freed memory.
package struct Subscriber {
    #if DEBUG
    package unowned let session: WAMPSession
    #else
    unowned(unsafe) let session: WAMPSession
    #endif
}

/// The subscribers of one topic URI on one loop, grouped by the spelling each subscribed with
/// (usually one group; a CURIE subscription adds another), so an EVENT can be sent "with the URI
/// exactly as the client subscribed it" while each spelling is still encoded only once.
package final class Topic {
    package let uri: String
    private(set) var spellings: [String] = []
    fileprivate(set) var groups: [[Subscriber]] = []

    package init(uri: String) { self.uri = uri }

    package var subscriberCount: Int { groups.reduce(0) { $0 + $1.count } }
    package var isEmpty: Bool { groups.allSatisfy(\.isEmpty) }

    fileprivate func groupIndex(for spelling: String) -> Int {
        if let i = spellings.firstIndex(of: spelling) { return i }
        spellings.append(spelling)
        groups.append([])
        return spellings.count - 1
    }
}

/// Where one session sits inside one topic, so unsubscribing is O(1).
package struct SubscriptionPosition {
    package init(topic: Topic, group: Int, position: Int) {
        self.topic = topic
        self.group = group
        self.position = position
    }

    package let topic: Topic
    package let group: Int
    package var position: Int
}

/// Topic URI → subscribers for the sessions of ONE loop, and (through each session's
/// `subscriptions`) session → topics, so a close costs O(its own subscriptions).
/// Loop-confined: no lock, because only its loop's thread ever touches it.
package struct TopicIndex {
    private(set) var topics: [String: Topic] = [:]

    package func topic(_ uri: String) -> Topic? { topics[uri] }

    /// Returns false when the session already holds this subscription (a no-op: Docs/protocol.md, SUBSCRIBE).
    package mutating func subscribe(_ session: WAMPSession, uri: String, spelling: String) -> Bool {
        guard session.subscriptions[uri] == nil else { return false }
        let topic: Topic
        if let existing = topics[uri] { topic = existing } else {
            topic = Topic(uri: uri)
            topics[uri] = topic
        }
        let group = topic.groupIndex(for: spelling)
        topic.groups[group].append(Subscriber(session: session))
        session.subscriptions.set(SubscriptionPosition(topic: topic, group: group, position: topic.groups[group].count - 1))
        return true
    }

    @discardableResult
    package mutating func unsubscribe(_ session: WAMPSession, uri: String) -> Bool {
        guard let entry = session.subscriptions.remove(uri) else { return false }
        let topic = entry.topic
        let last = topic.groups[entry.group].removeLast()
        if last.session !== session {
            topic.groups[entry.group][entry.position] = last
            last.session.subscriptions.move(uri, toPosition: entry.position)
        }
        if topic.isEmpty { topics[uri] = nil }
        return true
    }

    /// Drops every subscription of a closing session; returns how many there were.
    package mutating func removeAll(_ session: WAMPSession) -> Int {
        let uris = session.subscriptions.uris
        for uri in uris { unsubscribe(session, uri: uri) }
        return uris.count
    }
}
