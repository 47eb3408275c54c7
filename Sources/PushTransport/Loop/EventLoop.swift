import CSystem
import Foundation
import Glibc
import Synchronization

/// One thread, one epoll instance, one set of connections; one loop per core.
///
/// A loop turn: wait for socket events, handle them, run the tasks queued for this loop,
/// run the ticker when due, then flush every connection written to during the turn once.
/// That last step is what batches a fan-out: however many events a turn queued for a
/// connection, they leave in one write.
///
/// Confinement: every `var` below and every connection pinned to this loop is touched only on
/// the loop thread (`preconditionOnLoop()` checks it in every build where it is cheap: once per
/// connection per turn; `assertOnLoop()`, per delivery, in debug builds). That is why the class can be
/// `@unchecked Sendable`: other threads only ever call `execute` (a mutex-protected task list
/// plus an eventfd wake-up) or `sync`. Sockets are registered once, edge-triggered, for input
/// and output, so pausing reads or waiting for output costs no system call.
public final class EventLoop: @unchecked Sendable {
    public let index: Int

    /// Shared by every connection of this loop: reads land here, and only a partial frame is
    /// copied out per connection, so an idle connection owns no read buffer.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Scratch for TLS writes (plaintext gathered from shared frames into one record).
    let tlsScratch: UnsafeMutableRawBufferPointer
    let iovecs: UnsafeMutablePointer<iovec>
    static let maxIOVecs = 512

    private let epollFD: Int32
    private let wakeFD: Int32
    private let events: UnsafeMutablePointer<epoll_event>
    private static let eventCapacity: Int32 = 1024
    private static let wakeToken = UInt64.max

    /// Tasks from other threads; `wakePending` avoids one eventfd write per task. `finished`
    /// (under the same lock) refuses later tasks once the thread has ended.
    private let remoteTasks = Mutex<(tasks: [@Sendable () -> Void], finished: Bool)>(([], false))
    private let wakePending = Atomic<Bool>(false)
    /// Tasks queued by the loop itself: run later in this turn, without a lock.
    private var localTasks: [() -> Void] = []
    /// Tasks queued by the loop for its next turn (`executeNextTurn`).
    private var nextTurnTasks: [() -> Void] = []
    /// Counts loop turns; a connection's per-turn budget is keyed on it. Loop thread only.
    public private(set) var turn: UInt64 = 0
    /// The loop thread, or `Self.ended` once it has ended (the loop then belongs to whoever calls).
    private let threadID = Atomic<UInt>(0)
    private static let ended = UInt.max
    private let stopping = Atomic<Bool>(false)
    private let stopped = DispatchSemaphoreBox()

    /// Every socket this loop watches, by the index its epoll token carries.
    private var watchers = WatcherTable()

    private var connections: [Connection] = []
    /// Connections to flush at the end of this turn; `dirtyFirst` (request/response connections)
    /// goes before `dirty` (fan-out subscribers), so a publisher's answer is on the wire before
    /// thousands of event writes.
    private var dirtyFirst: [Connection] = []
    private var dirty: [Connection] = []
    private var flushing: [Connection] = []
    /// A fan-out flush ran since the last tick. A fan-out grows the lists above to one slot per
    /// subscriber; a loop that flushed none for a whole tick gives that capacity back (two lists
    /// of 8 bytes per connection, Docs/benchmarks.md), while a busy one keeps it and never regrows.
    private var flushedSinceTick = false
    private static let keptFlushCapacity = 1024
    private static let tickNanoseconds = MonotonicClock.seconds(0.25)
    private var nextTick: UInt64 = 0
    /// Retries that must wait rather than spin (a listener out of descriptors): run once, at
    /// the next tick. Each caller keeps at most one here, so the list stays short.
    private var tickTasks: [() -> Void] = []
    /// The clock deadlines are measured on (a fake one in tests); ticks still run on real time.
    private let clock: @Sendable () -> UInt64

    init(index: Int, readBufferBytes: Int = 64 * 1024, clock: @escaping @Sendable () -> UInt64 = MonotonicClock.now) {
        self.index = index
        self.clock = clock
        self.readBuffer = .allocate(byteCount: readBufferBytes, alignment: 16)
        self.tlsScratch = .allocate(byteCount: 16 * 1024, alignment: 16)
        self.iovecs = .allocate(capacity: Self.maxIOVecs)
        self.events = .allocate(capacity: Int(Self.eventCapacity))
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        precondition(epollFD >= 0 && wakeFD >= 0, "epoll_create1/eventfd failed: errno \(errno)")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        precondition(epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) == 0)
        let thread = Thread { [self] in run() }
        thread.name = "wamp-push.loop.\(index)"
        thread.start()
    }

    deinit {
        readBuffer.deallocate()
        tlsScratch.deallocate()
        iovecs.deallocate()
        events.deallocate()
        Glibc.close(epollFD)
        Glibc.close(wakeFD)
    }

    // MARK: Threads

    /// Now, on the clock deadlines use (`MonotonicClock` unless a test gave another).
    @inline(__always)
    public func now() -> UInt64 { clock() }

    /// True when the caller runs on this loop's thread (or the thread has ended: the one
    /// caller left, `Server.stop`, then owns what the loop owned).
    public var isCurrent: Bool {
        let id = threadID.load(ordering: .acquiring)
        return id == pthread_self() || id == Self.ended
    }

    /// Checks confinement in debug builds only: called per delivery of a fan-out, where even an
    /// atomic load per subscriber shows. Paths taken once per connection per turn use
    /// `preconditionOnLoop()` instead.
    @inline(__always)
    public func assertOnLoop() {
        #if DEBUG
        precondition(isCurrent, "must run on event loop \(index)")
        #endif
    }

    /// Checks confinement in every build (an atomic load and `pthread_self`).
    @inline(__always)
    public func preconditionOnLoop() {
        precondition(isCurrent, "must run on event loop \(index)")
    }

    /// Runs `body` on this loop, never before returning: later in the current turn when called
    /// from the loop itself, otherwise in the loop's next turn (waking it up). Returns false, running nothing, once
    /// the loop has shut down: running a loop-confined task on the caller's thread instead
    /// could race with another late caller.
    @discardableResult
    public func execute(_ body: @escaping @Sendable () -> Void) -> Bool {
        let id = threadID.load(ordering: .acquiring)
        if id == pthread_self() {
            localTasks.append(body)
            return true
        }
        let queued = id != Self.ended && remoteTasks.withLock { state -> Bool in
            if state.finished { return false }
            state.tasks.append(body)
            return true
        }
        guard queued else { return false }
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
        return true
    }

    /// Runs `body` in the loop's next turn, after that turn's socket events: what one connection
    /// yields when its per-turn budget is spent, so every other connection is served first.
    /// Loop thread only.
    public func executeNextTurn(_ body: @escaping () -> Void) {
        preconditionOnLoop()
        nextTurnTasks.append(body)
    }

    /// Runs `body` before returning when called on this (running) loop, otherwise as `execute`
    /// does; refused after shutdown.
    public func executeNowIfOnLoop(_ body: @escaping @Sendable () -> Void) {
        if threadID.load(ordering: .acquiring) == pthread_self() { body() } else { execute(body) }
    }

    /// Runs `body` on the loop and waits for it (start-up, shutdown, tests; never from a loop).
    /// After shutdown the caller (the one that stopped the loop) runs `body` itself.
    public func sync<T>(_ body: @escaping () -> T) -> T {
        if threadID.load(ordering: .acquiring) == Self.ended { return body() }
        precondition(!isCurrent, "EventLoop.sync called from its own loop")
        let result = ResultBox<T>()
        let done = DispatchSemaphoreBox()
        let box = UncheckedBox(body)
        let queued = execute {
            result.value = box.value()
            done.signal()
        }
        // The loop ended between the check and the queueing: it is the caller's now.
        guard queued else { return body() }
        done.wait()
        return result.value!
    }

    /// Runs `body` on this loop at its next tick (at most about 250 ms away), with no thread,
    /// timer or Dispatch queue involved. Loop thread only.
    func executeAtNextTick(_ body: @escaping () -> Void) {
        preconditionOnLoop()
        tickTasks.append(body)
    }

    /// Ends the loop thread after its current turn and waits for it. Connections still open
    /// are left as they are (the server closes them first).
    func shutdown() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if isCurrent { return }
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
        stopped.wait()
    }

    // MARK: Watching sockets

    /// Registers `fd` for input and output, edge-triggered; returns its index, the token for `unwatch`.
    func watch(_ fd: Int32, _ watched: Watched) -> Int {
        assertOnLoop()
        let (watcherIndex, token) = watchers.add(watched)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.u64 = token
        if epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) != 0 {
            // Only on exhaustion (ENOMEM/ENOSPC): the caller closes the socket.
            watchers.remove(watcherIndex)
            return -1
        }
        return watcherIndex
    }

    /// Forgets a registration. The socket leaves the epoll set when it is closed (every socket
    /// here is CLOEXEC, so no child keeps it open); a stale event is dropped by generation.
    func unwatch(_ watcherIndex: Int) {
        assertOnLoop()
        watchers.remove(watcherIndex)
    }

    // MARK: Connections

    /// Number of connections pinned here. Loop thread only.
    public var connectionCount: Int { assertOnLoop(); return connections.count }

    /// A snapshot of this loop's connections. Loop thread only.
    public var allConnections: [Connection] { assertOnLoop(); return connections }

    func register(_ connection: Connection) {
        connection.indexInLoop = Int32(connections.count)
        connections.append(connection)
    }

    func unregister(_ connection: Connection) {
        let position = Int(connection.indexInLoop)
        guard position >= 0, position < connections.count, connections[position] === connection else { return }
        let last = connections.removeLast()
        if position < connections.count {
            connections[position] = last
            last.indexInLoop = Int32(position)
        }
        connection.indexInLoop = -1
    }

    /// Queues `connection` for one flush at the end of this loop turn: every frame queued to it
    /// before then leaves in a single write (the event-loop form of corking).
    func markDirty(_ connection: Connection) {
        guard !connection.isDirty else { return }
        preconditionOnLoop() // once per connection per turn
        connection.isDirty = true
        if connection.flushesFirst { dirtyFirst.append(connection) } else { dirty.append(connection) }
    }

    // MARK: The loop

    private func run() {
        threadID.store(pthread_self(), ordering: .releasing)
        nextTick = MonotonicClock.now() + Self.tickNanoseconds
        while !stopping.load(ordering: .acquiring) {
            turn &+= 1
            if !nextTurnTasks.isEmpty {
                localTasks.append(contentsOf: nextTurnTasks)
                nextTurnTasks.removeAll(keepingCapacity: true)
            }
            let n = epoll_wait(epollFD, events, Self.eventCapacity, waitMilliseconds())
            if n > 0 {
                for i in 0..<Int(n) { handle(events[i]) }
            }
            runTasks()
            let real = MonotonicClock.now()
            if real >= nextTick {
                nextTick = real + Self.tickNanoseconds
                tick(now: clock())
            }
            flushDirty()
        }
        // Tasks that raced with the stop still run, here; later ones are refused.
        let leftovers = remoteTasks.withLock { state -> [@Sendable () -> Void] in
            state.finished = true
            defer { state.tasks = [] }
            return state.tasks
        }
        for task in leftovers { task() }
        for task in localTasks { task() }
        localTasks = []
        nextTurnTasks = []
        threadID.store(Self.ended, ordering: .releasing)
        stopped.signal()
    }

    private func waitMilliseconds() -> Int32 {
        if !localTasks.isEmpty || !dirty.isEmpty || !dirtyFirst.isEmpty { return 0 }
        if connections.isEmpty && tickTasks.isEmpty { return -1 }
        let now = MonotonicClock.now()
        return now >= nextTick ? 0 : Int32((nextTick - now) / 1_000_000) + 1
    }

    private func handle(_ event: epoll_event) {
        let token = event.data.u64
        if token == Self.wakeToken {
            var value: UInt64 = 0
            _ = Glibc.read(wakeFD, &value, 8)
            return
        }
        guard let watched = watchers.watcher(for: token) else { return }
        let flags = event.events
        let hangUp = EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue
        if flags & (EPOLLIN.rawValue | hangUp) != 0 {
            watched.readable(hangUp: flags & hangUp != 0)
        }
        // The watcher may have closed (and its index been reused) while reading.
        if flags & EPOLLOUT.rawValue != 0, let watched = watchers.watcher(for: token) {
            watched.writable()
        }
    }

    /// Runs the tasks queued so far: other threads' first (publishes, completions), then the
    /// loop's own. Tasks they queue run in the next pass, still before this turn's flush.
    private func runTasks() {
        var passes = 0
        repeat {
            passes += 1
            wakePending.store(false, ordering: .releasing)
            let remote = remoteTasks.withLock { state -> [@Sendable () -> Void] in
                if state.tasks.isEmpty { return [] }
                let taken = state.tasks
                state.tasks.removeAll(keepingCapacity: true)
                return taken
            }
            for task in remote { task() }
            if !localTasks.isEmpty {
                let local = localTasks
                localTasks.removeAll(keepingCapacity: true)
                for task in local { task() }
            }
        } while !localTasks.isEmpty && passes < 4
    }

    private func flushDirty() {
        if !dirtyFirst.isEmpty {
            swap(&flushing, &dirtyFirst)
            for connection in flushing { connection.flush() }
            flushing.removeAll(keepingCapacity: true)
        }
        if !dirty.isEmpty {
            flushedSinceTick = true
            swap(&flushing, &dirty)
            for connection in flushing { connection.flush() }
            flushing.removeAll(keepingCapacity: true)
        }
    }

    /// Slots the flush lists hold now (for tests).
    var flushListCapacity: Int { dirtyFirst.capacity + dirty.capacity + flushing.capacity }

    private func releaseFlushCapacity() {
        if flushing.capacity > Self.keptFlushCapacity { flushing = [] } // empty outside `flushDirty`
        if dirty.isEmpty && dirty.capacity > Self.keptFlushCapacity { dirty = [] }
        if dirtyFirst.isEmpty && dirtyFirst.capacity > Self.keptFlushCapacity { dirtyFirst = [] }
    }

    /// A tick outside the ticker's schedule (`LoopGroup.tickNow`). Loop thread only.
    func tickNow() {
        preconditionOnLoop()
        tick(now: now())
    }

    /// One clock per loop drives every connection's timeouts; no per-connection timer.
    private func tick(now: UInt64) {
        if !flushedSinceTick { releaseFlushCapacity() }
        flushedSinceTick = false
        if !tickTasks.isEmpty {
            let due = tickTasks
            tickTasks.removeAll()
            for task in due { task() }
        }
        var i = 0
        // A tick may close connections (which swap-removes them), so walk by index carefully.
        while i < connections.count {
            let connection = connections[i]
            connection.tick(now: now)
            if i < connections.count && connections[i] === connection { i += 1 }
        }
    }
}
