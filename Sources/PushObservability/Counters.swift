import PushTransport
import Synchronization

/// Process-wide event counters (lock-free; bumped from any loop).
public final class Counters: Sendable {
    public enum HandshakeOutcome: Int, CaseIterable, Sendable { case accepted, unauthorized, forbidden, rejected }

    private let accepted = Atomic<Int>(0)
    private let unauthorized = Atomic<Int>(0)
    private let forbidden = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)
    private let slowConsumers = Atomic<Int>(0)
    private let tlsFailures = Atomic<Int>(0)
    private let httpErrors = Atomic<Int>(0)
    private let limitRejections = Atomic<Int>(0)

    private let addressRefusals = Atomic<Int>(0)
    private let deadlines = Atomic<Int>(0)
    private let subscriptionRefusals = Atomic<Int>(0)

    package let metrics = ServerMetrics()
    /// Keeps refusal log lines to a few per minute under a flood.
    package let logThrottle = LogThrottle()

    public init() {}

    package func handshake(_ outcome: HandshakeOutcome) {
        switch outcome {
        case .accepted: accepted.add(1, ordering: .relaxed); metrics.handshakesAccepted.increment()
        case .unauthorized: unauthorized.add(1, ordering: .relaxed); metrics.handshakesUnauthorized.increment()
        case .forbidden: forbidden.add(1, ordering: .relaxed); metrics.handshakesForbidden.increment()
        case .rejected: rejected.add(1, ordering: .relaxed); metrics.handshakesRejected.increment()
        }
    }
    package func slowConsumer() { slowConsumers.add(1, ordering: .relaxed); metrics.slowConsumers.increment() }
    package func tlsHandshakeFailed() { tlsFailures.add(1, ordering: .relaxed); metrics.tlsHandshakeFailures.increment() }
    package func httpRejected(status: Int) { httpErrors.add(1, ordering: .relaxed); metrics.malformedRequests.increment() }
    package func connectionLimitReached() { limitRejections.add(1, ordering: .relaxed); metrics.connectionLimitRefusals.increment() }
    package func addressLimitReached() { addressRefusals.add(1, ordering: .relaxed); metrics.addressLimitRefusals.increment() }
    package func deadlinePassed(_ phase: ConnectionPhase) { deadlines.add(1, ordering: .relaxed); metrics.deadlinePassed(phase) }
    package func subscriptionLimitReached() { subscriptionRefusals.add(1, ordering: .relaxed); metrics.subscriptionLimitRefusals.increment() }
    /// A subscribe whose access check could not run: the queue was full, or the session had
    /// too many checks in flight.
    package func accessCheckUnavailable(queueFull: Bool) {
        subscriptionRefusals.add(1, ordering: .relaxed)
        (queueFull ? metrics.accessCheckQueueFullRefusals : metrics.accessChecksInFlightRefusals).increment()
    }

    public func handshakes(_ outcome: HandshakeOutcome) -> Int {
        switch outcome {
        case .accepted: return accepted.load(ordering: .relaxed)
        case .unauthorized: return unauthorized.load(ordering: .relaxed)
        case .forbidden: return forbidden.load(ordering: .relaxed)
        case .rejected: return rejected.load(ordering: .relaxed)
        }
    }
    public var slowConsumersClosed: Int { slowConsumers.load(ordering: .relaxed) }
    public var tlsHandshakeFailures: Int { tlsFailures.load(ordering: .relaxed) }
    public var malformedHTTPRequests: Int { httpErrors.load(ordering: .relaxed) }
    public var connectionsRefusedAtLimit: Int { limitRejections.load(ordering: .relaxed) }
    public var connectionsRefusedPerAddress: Int { addressRefusals.load(ordering: .relaxed) }
    public var deadlinesPassed: Int { deadlines.load(ordering: .relaxed) }
    public var subscriptionsRefused: Int { subscriptionRefusals.load(ordering: .relaxed) }
}
