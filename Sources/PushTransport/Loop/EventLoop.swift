import Dispatch
import Glibc

/// One serial queue that owns a set of connections; one loop per core.
///
/// Confinement: every `var` below and every connection pinned to this loop is touched only on
/// `queue` (`assertOnLoop()` checks it). That is why the class can be `@unchecked Sendable`:
/// other queues only ever call `execute`, which hops onto `queue`.
public final class EventLoop: @unchecked Sendable {
    public let queue: DispatchQueue
    public let index: Int

    /// Shared by every connection of this loop: reads land here, and only a partial frame is
    /// copied out per connection, so an idle connection owns no read buffer.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Scratch for TLS writes (plaintext gathered from shared frames into one record).
    let tlsScratch: UnsafeMutableRawBufferPointer
    let iovecs: UnsafeMutablePointer<iovec>
    static let maxIOVecs = 512

    private var connections: [Connection] = []
    /// Connections to flush at the end of this turn; `dirtyFirst` (request/response connections)
    /// goes before `dirty` (fan-out subscribers), so a publisher's answer is on the wire before
    /// thousands of event writes and its next publishes arrive while they go out.
    private var dirtyFirst: [Connection] = []
    private var dirty: [Connection] = []
    private static let queueKey = DispatchSpecificKey<Int>()
    private var flushScheduled = false
    private var ticker: DispatchSourceTimer?

    init(index: Int, readBufferBytes: Int = 64 * 1024) {
        self.index = index
        self.queue = DispatchQueue(label: "wamp-push.loop.\(index)", qos: .userInitiated)
        queue.setSpecific(key: Self.queueKey, value: index)
        self.readBuffer = .allocate(byteCount: readBufferBytes, alignment: 16)
        self.tlsScratch = .allocate(byteCount: 16 * 1024, alignment: 16)
        self.iovecs = .allocate(capacity: Self.maxIOVecs)
    }

    deinit {
        readBuffer.deallocate()
        tlsScratch.deallocate()
        iovecs.deallocate()
    }

    /// Checks confinement in debug builds (every test run); compiled out of release builds,
    /// where it would cost a thread-local look-up on each delivery of a fan-out.
    @inline(__always)
    public func assertOnLoop() {
        #if DEBUG
        dispatchPrecondition(condition: .onQueue(queue))
        #endif
    }

    /// Runs `body` on this loop's queue.
    public func execute(_ body: @escaping @Sendable () -> Void) { queue.async(execute: body) }

    /// True when the caller runs on this loop's queue (a queue-specific look-up, not free:
    /// for per-request decisions, not per delivery).
    public var isCurrent: Bool { DispatchQueue.getSpecific(key: Self.queueKey) == index }

    /// Runs `body` now if already on this loop, otherwise on its queue.
    public func executeSoon(_ body: @escaping @Sendable () -> Void) {
        if isCurrent { body() } else { queue.async(execute: body) }
    }

    /// Number of connections pinned here. Loop queue only.
    public var connectionCount: Int { assertOnLoop(); return connections.count }

    /// A snapshot of this loop's connections. Loop queue only.
    public var allConnections: [Connection] { assertOnLoop(); return connections }

    func register(_ connection: Connection) {
        connection.loopSlot = connections.count
        connections.append(connection)
        startTickerIfNeeded()
    }

    func unregister(_ connection: Connection) {
        let slot = connection.loopSlot
        guard slot >= 0, slot < connections.count, connections[slot] === connection else { return }
        let last = connections.removeLast()
        if slot < connections.count {
            connections[slot] = last
            last.loopSlot = slot
        }
        connection.loopSlot = -1
    }

    /// Queues `connection` for one flush at the end of this loop turn: every frame queued to it
    /// before then leaves in a single write (the Dispatch form of corking).
    func markDirty(_ connection: Connection) {
        guard !connection.isDirty else { return }
        connection.isDirty = true
        if connection.flushesFirst { dirtyFirst.append(connection) } else { dirty.append(connection) }
        if !flushScheduled {
            flushScheduled = true
            queue.async { self.flushDirty() }
        }
    }

    private func flushDirty() {
        flushScheduled = false
        if !dirtyFirst.isEmpty {
            let first = dirtyFirst
            dirtyFirst.removeAll(keepingCapacity: true)
            for connection in first { connection.flush() }
        }
        let batch = dirty
        dirty.removeAll(keepingCapacity: true)
        for connection in batch { connection.flush() }
    }

    /// One timer per loop drives every connection's timeouts; no per-connection timer.
    private func startTickerIfNeeded() {
        guard ticker == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250), leeway: .milliseconds(50))
        timer.setEventHandler { [unowned self] in self.tick() }
        timer.resume()
        ticker = timer
    }

    private func tick() {
        let now = MonotonicClock.now()
        var i = 0
        // A tick may close connections (which swap-removes them), so walk by index carefully.
        while i < connections.count {
            let connection = connections[i]
            connection.tick(now: now)
            if i < connections.count && connections[i] === connection { i += 1 }
        }
    }

    func stopTicker() {
        ticker?.cancel()
        ticker = nil
    }
}
