import PushCodec
import PushHTTP
import PushTransport
import Synchronization

/// The broker's state for ONE event loop: its sessions and their subscriptions.
/// Confined to its loop's thread (checked with `loop.assertOnLoop()`), so subscribe, unsubscribe
/// and close never take a lock or hop threads; a publish visits each loop once.
package final class LoopBroker: @unchecked Sendable {
    package let loop: EventLoop
    private var index = TopicIndex()
    private let stats: BrokerStats
    /// Publications waiting for this loop, with their completions. The only state of a
    /// LoopBroker touched off its loop, hence the mutex: every publish that arrives while the
    /// loop is busy joins the next drain, so one flush per connection carries all of them.
    private let inbox = Mutex<(items: [(Publication, @Sendable (Int) -> Void)], scheduled: Bool)>(([], false))

    package init(loop: EventLoop, stats: BrokerStats) {
        self.loop = loop
        self.stats = stats
    }

    /// Queues a publication for this loop; `done` runs on the loop with the sessions reached.
    package func enqueue(_ publication: Publication, done: @escaping @Sendable (Int) -> Void) {
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
        var i = 0
        while i < batch.count {
            let end = Self.runEnd(batch, from: i)
            if end - i > 1 {
                let reached = deliverRun(batch[i..<end].map(\.0))
                for k in i..<end { batch[k].1(reached) }
            } else {
                batch[i].1(deliver(batch[i].0))
            }
            i = end
        }
    }

    /// Publications of one turn that every subscriber of one topic receives alike (one target,
    /// no per-session filter, same URI, one after another) are sent as one block of frames.
    /// Capped so that one block stays a modest copy.
    package static let maxRunBytes = 256 * 1024

    package static func runEnd(_ batch: [(Publication, @Sendable (Int) -> Void)], from start: Int) -> Int {
        let first = batch[start].0
        guard first.isUniform else { return start + 1 }
        let uri = first.targets[0].uri
        var bytes = first.targets[0].frame.count
        var end = start + 1
        while end < batch.count {
            let next = batch[end].0
            guard next.isUniform, next.targets[0].uri == uri else { break }
            bytes += next.targets[0].frame.count
            if bytes > maxRunBytes { break }
            end += 1
        }
        return end
    }

    /// The open sessions on this loop. No table of them is kept (one entry cost every idle
    /// connection ~28 bytes, Docs/benchmarks.md): they are found through the loop's connections,
    /// which is what a revocation or a shutdown needs, and nothing runs it per event. Loop thread only.
    package var sessions: [WAMPSession] {
        loop.assertOnLoop()
        return loop.allConnections.compactMap { connection in
            guard let session = (connection.handler as? WebSocketHandler)?.session as? WAMPSession,
                  session.isInBroker, session.loopBroker === self else { return nil }
            return session
        }
    }

    /// Counts an opening session (`WAMPSession.webSocketDidOpen`; the session remembers it).
    package func add(_ session: WAMPSession) {
        loop.assertOnLoop()
        stats.sessionOpened()
    }

    /// A session added here closed: its subscriptions leave the index. Called once per `add`.
    package func remove(_ session: WAMPSession) {
        loop.assertOnLoop()
        let hadTopics = session.subscriptions.uris
        // Before the session can be freed: the index's references are unowned (see `Subscriber`).
        let removed = index.removeAll(session)
        stats.subscriptionsChanged(-removed)
        stats.topicsChanged(-hadTopics.filter { index.topic($0) == nil }.count)
        stats.sessionClosed()
    }

    package func subscribe(_ session: WAMPSession, uri: String, spelling: String) -> Bool {
        loop.assertOnLoop()
        let isNewTopic = index.topic(uri) == nil
        guard index.subscribe(session, uri: uri, spelling: spelling) else { return false }
        stats.subscriptionsChanged(1)
        if isNewTopic { stats.topicsChanged(1) }
        return true
    }

    package func unsubscribe(_ session: WAMPSession, uri: String) {
        loop.assertOnLoop()
        guard index.unsubscribe(session, uri: uri) else { return }
        stats.subscriptionsChanged(-1)
        if index.topic(uri) == nil { stats.topicsChanged(-1) }
    }

    /// Queues the publication's shared frames to every admitted subscriber on this loop; each
    /// connection is flushed once at the end of the loop turn. Returns the sessions reached.
    package func deliver(_ publication: Publication) -> Int {
        loop.preconditionOnLoop() // once per walk; each delivery checks again in debug builds
        var walk = FanoutWalk()
        for target in publication.targets {
            guard let topic = index.topic(target.uri) else { continue }
            for (g, spelling) in topic.spellings.enumerated() {
                let frame = spelling == target.uri ? target.frame
                    : Publication.eventFrame(topic: spelling, payloadJSON: publication.payloadJSON)
                if publication.hasFilters {
                    walk.send(frame, to: topic.groups[g]) { publication.admits($0) }
                } else {
                    walk.send(frame, to: topic.groups[g])
                }
            }
        }
        return walk.finish()
    }

    /// Delivers a run of uniform publications to one topic: per spelling, their frames are
    /// joined into one block and each subscriber's queue gets one reference to it, so a busy
    /// turn costs one queue entry and one iovec per subscriber, not one per event.
    /// Returns the sessions reached (the same for every publication of the run).
    package func deliverRun(_ run: [Publication]) -> Int {
        loop.preconditionOnLoop()
        let uri = run[0].targets[0].uri
        guard let topic = index.topic(uri) else { return 0 }
        var walk = FanoutWalk()
        for (g, spelling) in topic.spellings.enumerated() {
            let frames = run.map { p in
                spelling == uri ? p.targets[0].frame : Publication.eventFrame(topic: spelling, payloadJSON: p.payloadJSON)
            }
            walk.send(SharedBytes(joining: frames), to: topic.groups[g])
        }
        return walk.finish()
    }

    /// Closes (1008) every session authenticated with one of `tokenHashes`; returns how many.
    package func closeSessions(tokenHashes: Set<String>) -> Int {
        loop.assertOnLoop()
        let doomed = sessions.filter { tokenHashes.contains($0.tokenHash) }
        for session in doomed { session.close(.policyViolation, reason: "token revoked") }
        return doomed.count
    }

    /// Closes every session with 1001 (shutdown).
    package func closeAll(reason: String) {
        loop.assertOnLoop()
        for session in sessions { session.close(.goingAway, reason: reason) }
    }
}

/// One fan-out's walk over subscriber lists: counts the sessions reached and collects slow
/// consumers, which are closed only after the walk (closing changes the lists being walked).
package struct FanoutWalk {
    package init(slow: [WAMPSession] = []) {
        self.slow = slow
    }

    private var reached = 0
    private var slow: [WAMPSession] = []

    package mutating func send(_ frame: SharedBytes, to subscribers: [Subscriber]) {
        for subscriber in subscribers {
            if subscriber.session.webSocket.enqueue(frame) { reached += 1 } else { slow.append(subscriber.session) }
        }
    }

    package mutating func send(_ frame: SharedBytes, to subscribers: [Subscriber], where admits: (WAMPSession) -> Bool) {
        for subscriber in subscribers where admits(subscriber.session) {
            if subscriber.session.webSocket.enqueue(frame) { reached += 1 } else { slow.append(subscriber.session) }
        }
    }

    consuming func finish() -> Int {
        // A session reached through two spellings of one event is listed once per spelling;
        // the first close ends it, so it is closed and counted once (no set on the hot path).
        for session in slow where session.webSocket.isOpen { session.closeAsSlowConsumer() }
        return reached
    }
}
