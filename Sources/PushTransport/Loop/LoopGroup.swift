import Dispatch
import Foundation
import Glibc
import Synchronization

/// The event loops (one per core) plus the process-wide connection budget.
public final class LoopGroup: Sendable {
    public let loops: [EventLoop]
    public let addressQuota: AddressQuota
    private let nextLoop = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)
    /// Set once the server knows its descriptor budget (`ConnectionBudget`), after the
    /// listeners are bound and before they accept.
    private let connectionCap: Atomic<Int>

    /// `clock` is what connection deadlines are measured on (tests pass a fake one).
    public init(loopCount: Int = System.coreCount, maxConnections: Int = 100_000,
                addressQuota: AddressQuota = AddressQuota(),
                clock: @escaping @Sendable () -> UInt64 = MonotonicClock.now) {
        precondition(loopCount > 0)
        self.loops = (0..<loopCount).map { EventLoop(index: $0, clock: clock) }
        self.connectionCap = Atomic(maxConnections)
        self.addressQuota = addressQuota
    }

    /// Connections beyond this are refused at accept.
    public var maxConnections: Int { connectionCap.load(ordering: .relaxed) }

    /// Changes the cap; connections already open above a lowered cap stay open.
    public func limitConnections(to cap: Int) { connectionCap.store(cap, ordering: .relaxed) }

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
            if current >= connectionCap.load(ordering: .relaxed) { return false }
            if openConnections.compareExchange(expected: current, desired: current + 1, ordering: .relaxed).exchanged {
                return true
            }
        }
    }

    func releaseConnection() { openConnections.wrappingSubtract(1, ordering: .relaxed) }

    /// Runs `body` once on every loop and waits (never call from a loop thread).
    public func forEachLoopSync(_ body: @escaping (EventLoop) -> Void) {
        for loop in loops { loop.sync { body(loop) } }
    }

    /// Runs one deadline tick on every loop now and waits for it: with a fake clock
    /// (`init(clock:)`), a test moves the clock and then ticks, instead of sleeping until the
    /// loops' own 250 ms ticker comes round. Never call from a loop thread.
    public func tickNow() {
        for loop in loops { loop.sync { loop.tickNow() } }
    }

    /// Ends every loop thread (after the server closed its connections). Afterwards `execute`
    /// refuses tasks (late completions find their connections closed anyway).
    public func shutdown() {
        for loop in loops { loop.shutdown() }
    }
}

public enum System {
    /// Cores this process may run on: the affinity mask (`taskset -c 0` → 1), not the machine's
    /// count, so a pinned server does not make two loops share one core.
    public static var coreCount: Int {
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        guard let allowed = allowedCPUCount() else { return online }
        return max(1, min(online, allowed))
    }

    /// Counts `Cpus_allowed_list` of /proc/self/status (`0-3,6` → 5).
    static func allowedCPUCount() -> Int? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix("Cpus_allowed_list:") else { continue }
            var count = 0
            for part in text.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
                let bounds = part.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if bounds.count == 2 { count += bounds[1] - bounds[0] + 1 } else if bounds.count == 1 { count += 1 }
            }
            return count > 0 ? count : nil
        }
        return nil
    }
}

