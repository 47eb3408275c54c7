import Dispatch
import PushCodec
import PushObservability
import PushTransport
import Synchronization

/// Why a publish was refused (an undeclared topic answers 422: Docs/troubleshooting.md).
public enum PublishError: Error, Equatable {
    case undeclaredTopic(String)
    case invalid(String)

    public var message: String {
        switch self {
        case .undeclaredTopic(let t): return "Topic '\(t)' is not in a declared category."
        case .invalid(let m): return m
        }
    }
}

/// Publishes events to subscribers on every loop. Holds no mutable state of its own: each loop's
/// `LoopBroker` owns its sessions and index, and a publish visits each loop once (publishes
/// that arrive together share one loop task) carrying frames that were encoded once, up front,
/// on the publisher's thread.
package final class Broker: Sendable {
    package let categories: Categories
    package let stats: BrokerStats
    private let loopBrokers: [LoopBroker]

    package init(group: LoopGroup, categories: Categories, metrics: ServerMetrics? = nil) {
        let stats = BrokerStats(metrics: metrics)
        self.stats = stats
        self.categories = categories
        self.loopBrokers = group.loops.map { LoopBroker(loop: $0, stats: stats) }
        for (i, loop) in group.loops.enumerated() { precondition(loop.index == i) }
    }

    package func loopBroker(for loop: EventLoop) -> LoopBroker { loopBrokers[loop.index] }

    /// Validates a publish and encodes its frames (Docs/protocol.md, "Topics and the unified WhatsApp topic").
    package func prepare(topic: String, payload: JSONValue, userId: String? = nil,
                 exclude: Set<String> = [], eligible: Set<String>? = nil) throws(PublishError) -> Publication {
        guard let resolved = categories.resolve(topic) else { throw .undeclaredTopic(topic) }
        var payload = payload
        var chat = resolved.chatId
        if resolved.isWhatsApp {
            if let topicChat = resolved.chatId {
                // A publish to `WhatsApp.X` / `whatsapp.message.X` is a WhatsApp event for chat X.
                if case .object(let o) = payload, o["chatId"] == nil { payload = .object(o.setting("chatId", .string(topicChat))) }
            } else if let payloadChat = payload["chatId"]?.stringValue, !payloadChat.isEmpty {
                chat = payloadChat
            }
        }
        let uris = Categories.deliverySpellings(topic: topic, resolved: resolved, chatId: chat)
        return Publication(uris: uris, payload: payload, userId: userId, exclude: exclude, eligible: eligible, topic: topic)
    }

    /// Delivers publications in order on every loop; `completion` gets the number of sessions
    /// queued. It runs on the loop that finishes last, in that loop's turn, so a publisher on
    /// the same loop is answered before the fan-out's writes go out.
    package func publish(_ publications: [Publication], completion: (@Sendable (Int) -> Void)? = nil) {
        guard !publications.isEmpty else { completion?(0); return }
        for _ in publications { stats.eventPublished() }
        let tally = PublishTally(parts: loopBrokers.count * publications.count, completion: completion)
        let stats = self.stats
        for broker in loopBrokers {
            for publication in publications {
                broker.enqueue(publication) { n in
                    stats.eventsDelivered(n)
                    tally.add(n)
                }
            }
        }
    }

    /// Closes, within one loop turn, every live session authenticated with one of these tokens.
    package func closeSessions(tokenHashes: Set<String>, completion: (@Sendable (Int) -> Void)? = nil) {
        guard !tokenHashes.isEmpty else { completion?(0); return }
        let group = DispatchGroup()
        let counter = SendableBox(Atomic<Int>(0))
        for broker in loopBrokers {
            group.enter()
            broker.loop.execute {
                counter.value.add(broker.closeSessions(tokenHashes: tokenHashes), ordering: .relaxed)
                group.leave()
            }
        }
        if let completion {
            group.notify(queue: .global()) { completion(counter.value.load(ordering: .relaxed)) }
        }
    }

    /// Closes every session with 1001 and waits (shutdown; never call from a loop).
    package func closeAllSessions(reason: String) {
        for broker in loopBrokers { broker.loop.sync { broker.closeAll(reason: reason) } }
    }
}

/// Counts the loops' deliveries of one publish; the last part to report calls the completion.
package final class PublishTally: Sendable {
    private let remaining: Atomic<Int>
    private let delivered = Atomic<Int>(0)
    private let completion: (@Sendable (Int) -> Void)?

    package init(parts: Int, completion: (@Sendable (Int) -> Void)?) {
        remaining = Atomic(parts)
        self.completion = completion
    }

    package func add(_ n: Int) {
        delivered.add(n, ordering: .relaxed)
        // Each part's add is released by its decrement; the last decrement acquires them all.
        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            completion?(delivered.load(ordering: .relaxed))
        }
    }
}

/// Lets a non-copyable atomic be captured by escaping closures.
package final class SendableBox<T: ~Copyable>: Sendable where T: Sendable {
    package let value: T
    package init(_ value: consuming T) { self.value = value }
}
