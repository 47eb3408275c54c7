import Foundation
import Logging
import PushBroker
import PushConfig
import PushHTTP
import PushObservability
import Synchronization

/// The ZeroMQ ingress as a server module (on when `espo.zeroMQ` is set): EspoCRM's sender hands
/// each message over exactly as it would to `websocket.php`, and it goes through the same
/// validation as `POST /internal/publish` (`PublicationParser`) into the publisher, so the bus,
/// the category check, the user filter and access checks are the ones every source gets.
///
/// Each message is counted in `wamp_push_zeromq_messages_total{result}`: `published`, the
/// parser's refusal codes (`invalid_json`, `invalid_body`, `missing_topic`, `invalid_user`,
/// `unknown_topic`), `oversize`, `multipart` (Docs/espocrm.md).
package final class EspoZeroMQModule: ServerModule {
    package let name = "espo-zeromq"
    package let ingress: ZeroMQIngress
    private let gate: PublicationGate
    private let log: Logger

    static let resultLabels = ["published", "invalid_json", "invalid_body", "missing_topic", "invalid_user", "unknown_topic",
                               "oversize", "multipart", "other"]

    package init(_ context: ModuleContext) throws(StartupError) {
        guard let dsn = context.config.espo.zeroMQ else { throw StartupError("espo.zeroMQ is not set") }
        let limits = context.config.limits
        let publisher = context.publisher
        let gate = PublicationGate(limit: limits.zeroMQReceiveHighWaterMark)
        var counters: [String: Counter] = [:]
        for label in Self.resultLabels {
            counters[label] = context.metrics.counter("wamp_push_zeromq_messages_total", [("result", label)])
        }
        let results = counters
        do {
            ingress = try ZeroMQIngress(
                dsn: dsn,
                parameters: .init(receiveHighWaterMark: limits.zeroMQReceiveHighWaterMark, maxMessageBytes: limits.zeroMQMaxMessageBytes),
                logger: context.log,
                observe: { label in (results[label] ?? results["other"])?.increment() },
                handler: { bytes in Self.handle(bytes, publisher: publisher, gate: gate) })
        } catch {
            throw StartupError(error.description)
        }
        self.gate = gate
        self.log = context.log
    }

    /// Runs on the receive thread: parse and validate, then hand to the bus (which only queues
    /// to the loops). It waits only while the loops hold `limit` unfinished publications from here.
    static func handle(_ bytes: [UInt8], publisher: Publisher, gate: PublicationGate) -> ZeroMQOutcome {
        switch PublicationParser.parse(bytes, publisher) {
        case .failure(let error):
            return .dropped(result: error.code, reason: error.message)
        case .success(let publications):
            let count = publications.count
            gate.enter(count)
            publisher.publish(publications) { _ in gate.leave(count) }
            return .published
        }
    }

    /// No HTTP routes: messages arrive on the ZeroMQ socket only.
    package func registerRoutes(_ routes: Router.Builder) {}

    package func start() throws(StartupError) {
        do { try ingress.start() } catch { throw StartupError(error.description) }
        log.info("ZeroMQ ingress listening", metadata: ["endpoint": "\(ingress.boundEndpoint ?? ingress.endpoint.description)"])
    }

    package func stop() {
        gate.close()
        ingress.stop()
    }

    package func startupWarnings() -> [String] {
        ZeroMQEndpoint.exposureWarning(ingress.endpoint).map { [$0] } ?? []
    }
}

/// Bounds the publications the ZeroMQ ingress has handed to the loops and not seen finished:
/// at `limit`, the receive thread waits, so libzmq's queue fills and then TCP pushes back on the
/// senders, instead of the loops' task queues growing without end. Atomics; any thread.
final class PublicationGate: Sendable {
    let limit: Int
    private let inFlight = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)

    init(limit: Int) { self.limit = max(1, limit) }

    func enter(_ count: Int) {
        while inFlight.load(ordering: .acquiring) >= limit, !closed.load(ordering: .acquiring) { usleep(100) }
        inFlight.add(count, ordering: .acquiringAndReleasing)
    }

    func leave(_ count: Int) { inFlight.subtract(count, ordering: .acquiringAndReleasing) }

    /// Stops waiting for good (shutdown: the loops may never finish what is queued).
    func close() { closed.store(true, ordering: .releasing) }

    var pending: Int { inFlight.load(ordering: .acquiring) }
}
