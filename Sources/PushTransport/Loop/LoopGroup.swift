import Dispatch
import Glibc
import Synchronization

/// The event loops (one per core) plus the process-wide connection budget.
public final class LoopGroup: Sendable {
    public let loops: [EventLoop]
    public let maxConnections: Int
    private let nextLoop = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)

    public init(loopCount: Int = System.coreCount, maxConnections: Int = 100_000) {
        precondition(loopCount > 0)
        self.loops = (0..<loopCount).map { EventLoop(index: $0) }
        self.maxConnections = maxConnections
    }

    /// Round-robin: connections are spread evenly and never move afterwards.
    public func next() -> EventLoop {
        let i = nextLoop.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[i % loops.count]
    }

    /// Connections currently holding a descriptor.
    public var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    func reserveConnection() -> Bool {
        while true {
            let current = openConnections.load(ordering: .relaxed)
            if current >= maxConnections { return false }
            if openConnections.compareExchange(expected: current, desired: current + 1, ordering: .relaxed).exchanged {
                return true
            }
        }
    }

    func releaseConnection() { openConnections.wrappingSubtract(1, ordering: .relaxed) }

    /// Runs `body` once on every loop and waits (never call from a loop queue).
    public func forEachLoopSync(_ body: (EventLoop) -> Void) {
        for loop in loops { loop.queue.sync { body(loop) } }
    }
}

public enum System {
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
