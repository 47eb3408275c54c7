import PushTransport
import Synchronization

/// Lets one log line per kind through every `interval`, so a flood (a scan, a reconnect storm)
/// costs a line every few seconds, not one per refused peer. The metrics still count each one.
/// Mutex-protected: any loop may ask.
final class LogThrottle: Sendable {
    enum Kind: Hashable, Sendable { case addressLimit, deadline, subscriptionLimit }

    private let interval: UInt64
    private let clock: @Sendable () -> UInt64
    private let state = Mutex<[Kind: (next: UInt64, suppressed: Int)]>([:])

    init(intervalSeconds: Double = 10, clock: @escaping @Sendable () -> UInt64 = MonotonicClock.now) {
        interval = MonotonicClock.seconds(intervalSeconds)
        self.clock = clock
    }

    /// nil: stay quiet. Otherwise log now, saying how many were left out since the last line.
    func allow(_ kind: Kind) -> Int? {
        let now = clock()
        return state.withLock { table -> Int? in
            let entry = table[kind] ?? (0, 0)
            guard now >= entry.next else {
                table[kind] = (entry.next, entry.suppressed + 1)
                return nil
            }
            table[kind] = (now + interval, 0)
            return entry.suppressed
        }
    }
}
