/// Something watched by a loop's epoll. Called on the loop thread only.
protocol LoopWatcher: AnyObject {
    /// Input, end of input or an error is pending (edge-triggered: read until EAGAIN, or until
    /// a short read when `hangUp` is false: input arriving after that read raises a new edge).
    /// `hangUp`: the peer's FIN or an error came with this event, so read to the end.
    func loopReadable(hangUp: Bool)
    /// The socket became writable again.
    func loopWritable()
}

extension EventLoop {
    /// What a loop watches: the two kinds of `LoopWatcher`, called directly (no witness table).
    /// One tagged pointer, where a `LoopWatcher` existential takes two words.
    enum Watched {
        case connection(Connection)
        case listener(Listener)

        @inline(__always)
        func readable(hangUp: Bool) {
            switch self {
            case .connection(let connection): connection.loopReadable(hangUp: hangUp)
            case .listener(let listener): listener.loopReadable(hangUp: hangUp)
            }
        }

        @inline(__always)
        func writable() {
            switch self {
            case .connection(let connection): connection.loopWritable()
            case .listener(let listener): listener.loopWritable()
            }
        }
    }
}

/// A loop's watchers by index. The epoll token carries index and generation, so an event left
/// over from a closed socket never reaches a newer watcher at the same index. An entry is 16
/// bytes, and there is one per connection (Docs/benchmarks.md, "Idle memory per connection").
/// Loop-confined: a value owned by its `EventLoop`.
struct WatcherTable {
    private var slots: [(watched: EventLoop.Watched?, generation: UInt32)] = []
    private var freeIndices: [Int] = []

    /// Stores `watched`; returns its index and the epoll token naming it.
    mutating func add(_ watched: EventLoop.Watched) -> (index: Int, token: UInt64) {
        let index: Int
        if let free = freeIndices.popLast() {
            index = free
            slots[index].watched = watched
        } else {
            index = slots.count
            slots.append((watched, 0))
        }
        return (index, UInt64(slots[index].generation) << 32 | UInt64(index))
    }

    /// Forgets the watcher at `index`: tokens issued for it name nothing from now on.
    mutating func remove(_ index: Int) {
        guard index >= 0, index < slots.count else { return }
        slots[index].watched = nil
        slots[index].generation &+= 1
        freeIndices.append(index)
    }

    /// The watcher `token` was issued for, unless it has been removed since.
    @inline(__always)
    func watcher(for token: UInt64) -> EventLoop.Watched? {
        let index = Int(token & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].generation == UInt32(token >> 32) else { return nil }
        return slots[index].watched
    }
}
