import CoreMetrics
import Prometheus
import PushTransport
import Synchronization

typealias Counter = CoreMetrics.Counter
typealias Gauge = CoreMetrics.Gauge

/// The `wamp_push_*` series of SPEC section 11, recorded through swift-metrics with a
/// Prometheus registry as its backend. Each server owns its registry (no global bootstrap),
/// so several servers in one process (tests) do not share counts.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    // Counters bumped as things happen.
    let handshakesAccepted, handshakesUnauthorized, handshakesForbidden, handshakesRejected: Counter
    let eventsPublished, eventsDelivered, slowConsumers: Counter
    let tlsHandshakeFailures, malformedRequests, connectionLimitRefusals: Counter
    let addressLimitRefusals, subscriptionLimitRefusals: Counter
    private let deadlineCounters: [ConnectionPhase: Counter]
    private let webhookCounters: [WhatsAppStats.WebhookOutcome: Counter]
    let upstreamSucceeded, upstreamFailed: Counter
    let upstreamLatency: CoreMetrics.Timer
    /// `wamp_push_auth_quota_refusals_total{quota=...}`, one series per `AuthQuotas.Quota`.
    private let authQuotaCounters: [AuthQuotas.Quota: Counter]

    // Gauges set when scraped.
    let sessions, subscriptions, topics: Gauge

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["wamp_push_upstream_call_seconds"] =
            [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(2.5), .seconds(10)]
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
        subscriptionLimitRefusals = counter("wamp_push_subscriptions_refused_total")
        var deadlines: [ConnectionPhase: Counter] = [:]
        for phase in ConnectionPhase.allCases {
            deadlines[phase] = counter("wamp_push_connection_deadlines_total", [("phase", phase.rawValue)])
        }
        deadlineCounters = deadlines
        var webhooks: [WhatsAppStats.WebhookOutcome: Counter] = [:]
        for outcome in WhatsAppStats.WebhookOutcome.allCases {
            webhooks[outcome] = counter("wamp_push_webhooks_total", [("outcome", outcome.rawValue)])
        }
        webhookCounters = webhooks
        upstreamSucceeded = counter("wamp_push_upstream_calls_total", [("outcome", "ok")])
        upstreamFailed = counter("wamp_push_upstream_calls_total", [("outcome", "error")])
        upstreamLatency = CoreMetrics.Timer(label: "wamp_push_upstream_call_seconds", dimensions: [], factory: factory)
        var quotas: [AuthQuotas.Quota: Counter] = [:]
        for quota in AuthQuotas.Quota.allCases {
            quotas[quota] = counter("wamp_push_auth_quota_refusals_total", [("quota", quota.rawValue)])
        }
        authQuotaCounters = quotas
        sessions = Gauge(label: "wamp_push_sessions", dimensions: [], factory: factory)
        subscriptions = Gauge(label: "wamp_push_subscriptions", dimensions: [], factory: factory)
        topics = Gauge(label: "wamp_push_topics", dimensions: [], factory: factory)
    }

    func webhook(_ outcome: WhatsAppStats.WebhookOutcome) { webhookCounters[outcome]?.increment() }
    func deadlinePassed(_ phase: ConnectionPhase) { deadlineCounters[phase]?.increment() }

    func authQuotaRefused(_ quota: AuthQuotas.Quota) { authQuotaCounters[quota]?.increment() }

    func upstreamCall(ok: Bool, seconds: Double) {
        (ok ? upstreamSucceeded : upstreamFailed).increment()
        upstreamLatency.recordNanoseconds(Int64(seconds * 1e9))
    }

    private let seenListeners = Mutex<Set<ListenerInfo>>([])

    /// Open connections by listener; a listener seen before and now empty reads 0, not stale.
    func recordConnections(_ counts: [ListenerInfo: Int]) {
        let all = seenListeners.withLock { seen in seen.formUnion(counts.keys); return seen }
        for listener in all {
            Gauge(label: "wamp_push_connections", dimensions: [("listener", listener.name), ("tls", "\(listener.isTLS)")],
                  factory: factory).record(counts[listener] ?? 0)
        }
    }

    func render() -> [UInt8] { registry.emitToBuffer() }
}
