import Synchronization

/// Webhook and upstream outcomes, counted for /metrics and tests.
final class WhatsAppStats: Sendable {
    enum WebhookOutcome: String, CaseIterable, Sendable {
        case stored, duplicate, ack, lifecycle, ignored, rejected, unauthorized, failed
    }

    private let webhooks = Mutex<[WebhookOutcome: Int]>([:])
    private let metrics: ServerMetrics?

    init(metrics: ServerMetrics? = nil) { self.metrics = metrics }

    func webhook(_ outcome: WebhookOutcome) {
        webhooks.withLock { $0[outcome, default: 0] += 1 }
        metrics?.webhook(outcome)
    }
    func webhooks(_ outcome: WebhookOutcome) -> Int { webhooks.withLock { $0[outcome] ?? 0 } }
    var webhookCounts: [WebhookOutcome: Int] { webhooks.withLock { $0 } }
}
