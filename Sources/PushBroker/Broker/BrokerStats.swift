import PushObservability
import Synchronization

/// Gauges and counters of the broker, bumped from every loop (atomics, no lock).
package final class BrokerStats: Sendable {
    private let metrics: ServerMetrics?

    package init(metrics: ServerMetrics? = nil) { self.metrics = metrics }

    private let sessions = Atomic<Int>(0)
    private let subscriptions = Atomic<Int>(0)
    private let topics = Atomic<Int>(0)
    private let published = Atomic<Int>(0)
    private let delivered = Atomic<Int>(0)

    package func sessionOpened() { sessions.add(1, ordering: .relaxed) }
    package func sessionClosed() { sessions.subtract(1, ordering: .relaxed) }
    package func subscriptionsChanged(_ delta: Int) { subscriptions.add(delta, ordering: .relaxed) }
    /// Topics are counted per loop: a topic with subscribers on both loops counts twice.
    package func topicsChanged(_ delta: Int) { topics.add(delta, ordering: .relaxed) }
    package func eventPublished() { published.add(1, ordering: .relaxed); metrics?.eventsPublished.increment() }
    package func eventsDelivered(_ n: Int) { delivered.add(n, ordering: .relaxed); metrics?.eventsDelivered.increment(by: Int64(n)) }

    package var sessionCount: Int { sessions.load(ordering: .relaxed) }
    package var subscriptionCount: Int { subscriptions.load(ordering: .relaxed) }
    package var topicCount: Int { topics.load(ordering: .relaxed) }
    package var publishedCount: Int { published.load(ordering: .relaxed) }
    package var deliveredCount: Int { delivered.load(ordering: .relaxed) }
}
