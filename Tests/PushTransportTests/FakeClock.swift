import PushTransport
import Synchronization

/// A clock that moves only when told, for stepping connections through their deadlines.
final class FakeClock: Sendable {
    private let nanoseconds = Atomic<UInt64>(1_000_000_000)
    func now() -> UInt64 { nanoseconds.load(ordering: .acquiring) }
    func advance(seconds: Double) { nanoseconds.add(MonotonicClock.seconds(seconds), ordering: .releasing) }
    var source: @Sendable () -> UInt64 { { self.now() } }
}
