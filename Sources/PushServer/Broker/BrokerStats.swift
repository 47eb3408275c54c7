import Synchronization

/// Gauges and counters of the broker, bumped from every loop (atomics, no lock).
final class BrokerStats: Sendable {
    private let metrics: ServerMetrics?

    init(metrics: ServerMetrics? = nil) { self.metrics = metrics }

    private let sessions = Atomic<Int>(0)
    private let subscriptions = Atomic<Int>(0)
    private let topics = Atomic<Int>(0)
    private let published = Atomic<Int>(0)
    private let delivered = Atomic<Int>(0)

    func sessionOpened() { sessions.add(1, ordering: .relaxed) }
    func sessionClosed() { sessions.subtract(1, ordering: .relaxed) }
    func subscriptionsChanged(_ delta: Int) { subscriptions.add(delta, ordering: .relaxed) }
    /// Topics are counted per loop: a topic with subscribers on both loops counts twice.
    func topicsChanged(_ delta: Int) { topics.add(delta, ordering: .relaxed) }
    func eventPublished() { published.add(1, ordering: .relaxed); metrics?.eventsPublished.increment() }
    func eventsDelivered(_ n: Int) { delivered.add(n, ordering: .relaxed); metrics?.eventsDelivered.increment(by: Int64(n)) }

    var sessionCount: Int { sessions.load(ordering: .relaxed) }
    var subscriptionCount: Int { subscriptions.load(ordering: .relaxed) }
    var topicCount: Int { topics.load(ordering: .relaxed) }
    var publishedCount: Int { published.load(ordering: .relaxed) }
    var deliveredCount: Int { delivered.load(ordering: .relaxed) }
}
