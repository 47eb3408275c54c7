import CSystem
import Dispatch
import Synchronization

/// Gives freed heap back to the system after many connections closed.
///
/// glibc keeps what a thread's arena freed for reuse: after the slow-reader soak (Docs/
/// benchmarks.md) the event loop's arena held 530 MB with 1 MB in use, RSS stayed at its peak,
/// and a second soak reused it (+5 MB), so it is retention, not a leak. `malloc_trim(0)` hands
/// the free pages back (RSS 548 → 35 MB). It walks every arena under its lock, so it runs on
/// this timer's queue, never on a loop, and only when the connection count fell by at least
/// `minimumDrop` and to at most half of its peak since the last trim.
public final class MemoryTrimmer: Sendable {
    /// Peak connections since the last trim; touched only on `queue`, Mutex for Swift 6.
    private let peak = Mutex(0)
    private let trims = Atomic<Int>(0)
    private let minimumDrop: Int
    private let connectionCount: @Sendable () -> Int
    private let trim: @Sendable () -> Void
    private let queue = DispatchQueue(label: "wamp-push.memory-trim", qos: .utility)
    private let interval: Double
    private let stopped = Atomic<Bool>(false)

    public convenience init(group: LoopGroup, minimumDrop: Int = 1_000, intervalSeconds: Double = 5) {
        self.init(minimumDrop: minimumDrop, intervalSeconds: intervalSeconds,
                  connectionCount: { [group] in group.connectionCount }, trim: { wp_malloc_trim() })
    }

    /// For tests: the count and the trim are injected, and `check()` can be called directly.
    public init(minimumDrop: Int, intervalSeconds: Double, connectionCount: @escaping @Sendable () -> Int,
                trim: @escaping @Sendable () -> Void) {
        self.minimumDrop = max(1, minimumDrop)
        self.connectionCount = connectionCount
        self.trim = trim
        interval = max(0.01, intervalSeconds)
    }

    public func start() {
        queue.asyncAfter(deadline: .now() + interval) { [self] in
            guard !stopped.load(ordering: .relaxed) else { return }
            check()
            start()
        }
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// How many times memory was trimmed.
    public var trimCount: Int { trims.load(ordering: .relaxed) }

    /// Trims when the count dropped far enough below its peak; returns whether it did.
    @discardableResult
    public func check() -> Bool {
        let current = connectionCount()
        let shouldTrim = peak.withLock { peak -> Bool in
            peak = max(peak, current)
            guard peak - current >= minimumDrop && current <= peak / 2 else { return false }
            peak = current
            return true
        }
        if shouldTrim {
            trim()
            trims.add(1, ordering: .relaxed)
        }
        return shouldTrim
    }
}
