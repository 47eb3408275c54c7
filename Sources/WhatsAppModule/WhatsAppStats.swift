import PushObservability
import Synchronization

/// Webhook and upstream outcomes: the module's own /metrics series (registered through the
/// server's `ServerMetrics`), and counts for tests. Thread-safe: a `Mutex` and the metric types' own locking.
package final class WhatsAppStats: Sendable {
    package enum WebhookOutcome: String, CaseIterable, Sendable {
        case stored, duplicate, ack, lifecycle, ignored, rejected, unauthorized, failed
    }

    private let webhooks = Mutex<[WebhookOutcome: Int]>([:])
    private let webhookCounters: [WebhookOutcome: Counter]
    private let upstreamSucceeded: Counter?
    private let upstreamFailed: Counter?
    private let upstreamLatency: Timer?

    package init(metrics: ServerMetrics? = nil) {
        var counters: [WebhookOutcome: Counter] = [:]
        if let metrics {
            for outcome in WebhookOutcome.allCases {
                counters[outcome] = metrics.counter("wamp_push_webhooks_total", [("outcome", outcome.rawValue)])
            }
        }
        webhookCounters = counters
        upstreamSucceeded = metrics?.counter("wamp_push_upstream_calls_total", [("outcome", "ok")])
        upstreamFailed = metrics?.counter("wamp_push_upstream_calls_total", [("outcome", "error")])
        upstreamLatency = metrics?.timer("wamp_push_upstream_call_seconds", buckets: [
            .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(2.5), .seconds(10)])
    }

    package func webhook(_ outcome: WebhookOutcome) {
        webhooks.withLock { $0[outcome, default: 0] += 1 }
        webhookCounters[outcome]?.increment()
    }
    package func webhooks(_ outcome: WebhookOutcome) -> Int { webhooks.withLock { $0[outcome] ?? 0 } }
    package var webhookCounts: [WebhookOutcome: Int] { webhooks.withLock { $0 } }

    package func upstreamCall(ok: Bool, seconds: Double) {
        (ok ? upstreamSucceeded : upstreamFailed)?.increment()
        upstreamLatency?.recordNanoseconds(Int64(seconds * 1e9))
    }
}
