import PushCodec
import PushTransport
import Synchronization

/// The broker's state for ONE event loop: its sessions and their subscriptions.
/// Confined to `loop.queue` (checked with `loop.assertOnLoop()`), so subscribe, unsubscribe and
/// close never take a lock or hop queues; a publish visits each loop once.
final class LoopBroker: @unchecked Sendable {
    let loop: EventLoop
    private var index = TopicIndex()
    private(set) var sessions: [ObjectIdentifier: WAMPSession] = [:]
    private let stats: BrokerStats
    /// Publications waiting for this loop, with their completions. The only state of a
    /// LoopBroker touched off its loop, hence the mutex: every publish that arrives while the
    /// loop is busy joins the next drain, so one flush per connection carries all of them.
    private let inbox = Mutex<(items: [(Publication, @Sendable (Int) -> Void)], scheduled: Bool)>(([], false))

    init(loop: EventLoop, stats: BrokerStats) {
        self.loop = loop
        self.stats = stats
    }

    /// Queues a publication for this loop; `done` runs on the loop with the sessions reached.
    func enqueue(_ publication: Publication, done: @escaping @Sendable (Int) -> Void) {
        let schedule = inbox.withLock { state -> Bool in
            state.items.append((publication, done))
            if state.scheduled { return false }
            state.scheduled = true
            return true
        }
        if schedule { loop.execute { self.drainInbox() } }
    }

    private func drainInbox() {
        let batch = inbox.withLock { state -> [(Publication, @Sendable (Int) -> Void)] in
            let items = state.items
            state.items.removeAll(keepingCapacity: true)
            state.scheduled = false
            return items
        }
        for (publication, done) in batch { done(deliver(publication)) }
    }

    func add(_ session: WAMPSession) {
        loop.assertOnLoop()
        sessions[ObjectIdentifier(session)] = session
        stats.sessionOpened()
    }

    func remove(_ session: WAMPSession) {
        loop.assertOnLoop()
        guard sessions.removeValue(forKey: ObjectIdentifier(session)) != nil else { return }
        let hadTopics = Set(session.subscriptions.keys)
        let removed = index.removeAll(session)
        stats.subscriptionsChanged(-removed)
        stats.topicsChanged(-hadTopics.filter { index.topic($0) == nil }.count)
        stats.sessionClosed()
    }

    func subscribe(_ session: WAMPSession, uri: String, spelling: String) -> Bool {
        loop.assertOnLoop()
        let isNewTopic = index.topic(uri) == nil
        guard index.subscribe(session, uri: uri, spelling: spelling) else { return false }
        stats.subscriptionsChanged(1)
        if isNewTopic { stats.topicsChanged(1) }
        return true
    }

    func unsubscribe(_ session: WAMPSession, uri: String) {
        loop.assertOnLoop()
        guard index.unsubscribe(session, uri: uri) else { return }
        stats.subscriptionsChanged(-1)
        if index.topic(uri) == nil { stats.topicsChanged(-1) }
    }

    /// Queues the publication's shared frames to every admitted subscriber on this loop; each
    /// connection is flushed once at the end of the loop turn. Returns the sessions reached.
    func deliver(_ publication: Publication) -> Int {
        loop.assertOnLoop()
        var delivered = 0
        var slow: [WAMPSession] = []
        for target in publication.targets {
            guard let topic = index.topic(target.uri) else { continue }
            for (g, spelling) in topic.spellings.enumerated() {
                let frame = spelling == target.uri ? target.frame
                    : Publication.eventFrame(topic: spelling, payloadJSON: publication.payloadJSON)
                let subscribers = topic.groups[g]
                if publication.hasFilters {
                    for session in subscribers where publication.admits(session) {
                        if session.socket.enqueue(frame) { delivered += 1 } else { slow.append(session) }
                    }
                } else {
                    for session in subscribers {
                        if session.socket.enqueue(frame) { delivered += 1 } else { slow.append(session) }
                    }
                }
            }
        }
        // Closing changes the index, so slow consumers are closed after the walk.
        for session in slow { session.closeAsSlowConsumer() }
        return delivered
    }

    /// Closes (1008) every session authenticated with one of `tokenHashes`; returns how many.
    func closeSessions(tokenHashes: Set<String>) -> Int {
        loop.assertOnLoop()
        let doomed = sessions.values.filter { tokenHashes.contains($0.tokenHash) }
        for session in doomed { session.close(.policyViolation, reason: "token revoked") }
        return doomed.count
    }

    /// Closes every session with 1001 (shutdown).
    func closeAll(reason: String) {
        loop.assertOnLoop()
        for session in Array(sessions.values) { session.close(.goingAway, reason: reason) }
    }
}
