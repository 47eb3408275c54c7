import CoreMetrics
import Prometheus
import PushTransport
import Synchronization

package typealias Counter = CoreMetrics.Counter
package typealias Gauge = CoreMetrics.Gauge
package typealias Timer = CoreMetrics.Timer

/// The `wamp_push_*` series `/metrics` serves (Docs/security.md, "Metrics"), recorded through swift-metrics with a
/// Prometheus registry as its backend. Each server owns its registry (no global bootstrap),
/// so several servers in one process (tests) do not share counts.
package final class ServerMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    // Counters bumped as things happen.
    package let handshakesAccepted, handshakesUnauthorized, handshakesForbidden, handshakesRejected: Counter
    package let eventsPublished, eventsDelivered, slowConsumers: Counter
    package let tlsHandshakeFailures, malformedRequests, connectionLimitRefusals: Counter
    package let addressLimitRefusals, subscriptionLimitRefusals: Counter
    /// Subscribes refused because their access check could not run (queue full, session's cap).
    package let accessCheckQueueFullRefusals, accessChecksInFlightRefusals: Counter
    private let deadlineCounters: [ConnectionPhase: Counter]

    // Gauges set when scraped.
    package let sessions, subscriptions, topics: Gauge

    package init() {
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        func counter(_ name: String, _ dims: [(String, String)] = []) -> Counter { Counter(label: name, dimensions: dims, factory: factory) }
        handshakesAccepted = counter("wamp_push_handshakes_total", [("outcome", "accepted")])
        handshakesUnauthorized = counter("wamp_push_handshakes_total", [("outcome", "unauthorized")])
        handshakesForbidden = counter("wamp_push_handshakes_total", [("outcome", "forbidden")])
        handshakesRejected = counter("wamp_push_handshakes_total", [("outcome", "rejected")])
        eventsPublished = counter("wamp_push_events_published_total")
        eventsDelivered = counter("wamp_push_events_delivered_total")
        slowConsumers = counter("wamp_push_slow_consumers_total")
        tlsHandshakeFailures = counter("wamp_push_tls_handshake_failures_total")
        malformedRequests = counter("wamp_push_http_rejected_total")
        connectionLimitRefusals = counter("wamp_push_connections_refused_total")
        addressLimitRefusals = counter("wamp_push_connections_refused_per_address_total")
        subscriptionLimitRefusals = counter("wamp_push_subscriptions_refused_total", [("reason", "limit")])
        accessCheckQueueFullRefusals = counter("wamp_push_subscriptions_refused_total", [("reason", "access_check_queue_full")])
        accessChecksInFlightRefusals = counter("wamp_push_subscriptions_refused_total", [("reason", "access_checks_in_flight")])
        var deadlines: [ConnectionPhase: Counter] = [:]
        for phase in ConnectionPhase.allCases {
            deadlines[phase] = counter("wamp_push_connection_deadlines_total", [("phase", phase.rawValue)])
        }
        deadlineCounters = deadlines
        sessions = Gauge(label: "wamp_push_sessions", dimensions: [], factory: factory)
        subscriptions = Gauge(label: "wamp_push_subscriptions", dimensions: [], factory: factory)
        topics = Gauge(label: "wamp_push_topics", dimensions: [], factory: factory)
    }

    package func deadlinePassed(_ phase: ConnectionPhase) { deadlineCounters[phase]?.increment() }

    /// A series a layer above or a module registers for itself (`wamp_push_<module>_...`); the
    /// same label and dimensions give the same series.
    package func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
        Counter(label: label, dimensions: dimensions, factory: factory)
    }

    /// A latency series in seconds with the given bucket bounds.
    package func timer(_ label: String, buckets: [Duration]) -> CoreMetrics.Timer {
        var factory = self.factory
        factory.durationHistogramBuckets[label] = buckets
        return CoreMetrics.Timer(label: label, dimensions: [], factory: factory)
    }

    private let seenListeners = Mutex<Set<ListenerInfo>>([])

    /// Open connections by listener; a listener seen before and now empty reads 0, not stale.
    package func recordConnections(_ counts: [ListenerInfo: Int]) {
        let all = seenListeners.withLock { seen in seen.formUnion(counts.keys); return seen }
        for listener in all {
            Gauge(label: "wamp_push_connections", dimensions: [("listener", listener.name), ("tls", "\(listener.isTLS)")],
                  factory: factory).record(counts[listener] ?? 0)
        }
    }

    package func render() -> [UInt8] { registry.emitToBuffer() }
}
