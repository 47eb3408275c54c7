import PushTransport
import Synchronization

/// Lets at most one log line per key through per `interval`, so a flood of refusals writes a
/// line every few seconds instead of one per request; the lines held back are counted and
/// reported with the next one. Callers use a small fixed set of keys (one per quota), so the
/// table stays tiny. Thread-safe behind a `Mutex`; the clock is injectable for tests.
package final class LogThrottle: Sendable {
    private struct KeyState {
        package var lastLine: Double
        package var suppressed: Int
    }

    package let interval: Double
    private let clock: @Sendable () -> Double
    private let states = Mutex<[String: KeyState]>([:])

    package init(interval: Double = 10, clock: @escaping @Sendable () -> Double = MonotonicSeconds.now) {
        self.interval = interval
        self.clock = clock
    }

    /// Nil: stay quiet. Otherwise log now, mentioning how many lines were held back since the last one.
    package func admit(_ key: String) -> Int? {
        let now = clock()
        return states.withLock { states -> Int? in
            if var state = states[key], now - state.lastLine < interval {
                state.suppressed += 1
                states[key] = state
                return nil
            }
            let suppressed = states[key]?.suppressed ?? 0
            states[key] = KeyState(lastLine: now, suppressed: 0)
            return suppressed
        }
    }
}
