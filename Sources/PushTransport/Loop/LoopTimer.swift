import Dispatch
import Synchronization

/// A one-shot timer whose body runs on an event loop, for what happens while a loop owns no
/// connection to tick (a reconnect backoff, a name lookup's deadline). The loop's own ticker
/// is cheaper and stays the way to time connection phases.
///
/// Cancellation is an atomic flag, so `cancel` may be called from any thread; called on the
/// loop before the body started, it guarantees the body never runs.
public final class LoopTimer: Sendable {
    private let cancelled = Atomic<Bool>(false)

    init() {}

    public func cancel() { cancelled.store(true, ordering: .releasing) }

    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
}

extension EventLoop {
    /// Runs `body` on this loop once `seconds` have passed, unless cancelled first (or the loop
    /// has shut down by then).
    @discardableResult
    public func schedule(after seconds: Double, _ body: @escaping @Sendable () -> Void) -> LoopTimer {
        let timer = LoopTimer()
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, seconds)) { [self] in
            guard !timer.isCancelled else { return }
            execute {
                if !timer.isCancelled { body() }
            }
        }
        return timer
    }
}
