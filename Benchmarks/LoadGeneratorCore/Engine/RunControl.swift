import Synchronization

/// What the worker threads of one run share: a stop flag and counters, all atomics, so the
/// driver on worker 0 can watch the others without locks. Everything else stays per thread.
public final class RunControl: Sendable {
    /// Workers leave their loop once this is set.
    let stop = Atomic<Bool>(false)
    /// Workers open new connections only while this is set.
    let opening = Atomic<Bool>(true)
    /// Connections that completed the upgrade (and sent SUBSCRIBE, for subscribers).
    let ready = Atomic<Int>(0)
    /// Connections that never got that far (refused, reset, TLS failure, 401...).
    let failed = Atomic<Int>(0)
    /// Subscribers that received a probe event: their subscription is live on the server.
    let probed = Atomic<Int>(0)
    /// Sequenced events received, summed over workers once per loop turn.
    let delivered = Atomic<Int>(0)
    /// Ready connections the server closed or reset afterwards.
    let dropped = Atomic<Int>(0)
    /// Completed upgrades in the handshake scenario.
    let handshakes = Atomic<Int>(0)
    /// Events the driver published (set before `stop`, read by workers to count the lost tail).
    let published = Atomic<Int>(0)
    /// Independent publish streams (one per publish connection): event `seq` belongs to stream
    /// `seq % sequenceStreams`, and order is checked within each stream only, because the server
    /// owes no order between requests on different connections.
    let sequenceStreams: Int
    private let firstErrorText = Mutex<String?>(nil)

    init(sequenceStreams: Int = 1) { self.sequenceStreams = max(1, sequenceStreams) }

    /// Remembers the first failure reason, for the one diagnostic line a run prints.
    func noteError(_ text: String) {
        firstErrorText.withLock { if $0 == nil { $0 = text } }
    }

    var firstError: String? { firstErrorText.withLock { $0 } }
}
