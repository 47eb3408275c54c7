import Logging
import PushCodec
import PushObservability

/// The one entry point for publications, whatever their source: validates a topic against the
/// declared categories, encodes the EVENT frames once (`prepare`), and hands the result to the
/// bus (`publish`). Immutable after start-up; safe from any thread.
package final class Publisher: Sendable {
    /// Who handed a publication over: a label for the refusal counter and log line.
    package enum Source: String, Sendable, CaseIterable {
        case http, webhook, whatsappAction = "whatsapp_action", client, zeromq, cluster, embedded
    }

    package let categories: Categories
    private let broker: Broker
    private let bus: any PublishBus
    private let log: Logger
    private let logThrottle = LogThrottle()
    /// `wamp_push_publishes_refused_total{source=...}`: a server-side source published a topic
    /// the config does not declare (a `categories` that replaced the defaults, say).
    private let refusals: [Source: Counter]

    package init(broker: Broker, bus: any PublishBus, metrics: ServerMetrics?, log: Logger) {
        self.broker = broker
        self.categories = broker.categories
        self.bus = bus
        self.log = log
        var refusals: [Source: Counter] = [:]
        if let metrics {
            for source in Source.allCases {
                refusals[source] = metrics.counter("wamp_push_publishes_refused_total", [("source", source.rawValue)])
            }
        }
        self.refusals = refusals
    }

    /// Validates one publication and encodes its frames; nothing is delivered yet.
    package func prepare(topic: String, payload: JSONValue, userId: String? = nil,
                         exclude: Set<String> = [], eligible: Set<String>? = nil) throws(PublishError) -> Publication {
        try broker.prepare(topic: topic, payload: payload, userId: userId, exclude: exclude, eligible: eligible)
    }

    /// Hands prepared publications to the bus, in order.
    package func publish(_ publications: [Publication], completion: (@Sendable (Int) -> Void)? = nil) {
        bus.publish(publications, completion: completion)
    }

    /// A server-side source's publish of one event (webhook, REST action): a refusal is not the
    /// caller's to answer, so it is logged (throttled) and counted here instead of vanishing.
    /// Returns false when refused.
    @discardableResult
    package func publish(topic: String, payload: JSONValue, source: Source) -> Bool {
        do {
            publish([try prepare(topic: topic, payload: payload)])
            return true
        } catch {
            refused(topic: topic, source: source, error)
            return false
        }
    }

    /// Counts and logs (throttled) a publication the categories refused.
    package func refused(topic: String, source: Source, _ error: PublishError) {
        refusals[source]?.increment()
        if let suppressed = logThrottle.admit("refused." + source.rawValue) {
            log.warning("publish refused: topic not declared", metadata: [
                "source": "\(source.rawValue)", "topic": "\(topic.prefix(120))", "reason": "\(error.message)",
                "suppressed": "\(suppressed)"])
        }
    }
}
