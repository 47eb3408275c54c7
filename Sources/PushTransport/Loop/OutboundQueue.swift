import Glibc
import PushCodec

/// Bytes waiting to be written to one connection: references to shared frames, never copies.
///
/// A fan-out appends the same `SharedBytes` to thousands of queues; a flush turns the queue into
/// one `iovec` array and one `sendmsg`. Written frames are dropped lazily (a head index moves; the
/// array is compacted only when the dead prefix is large), so a partial write never shifts memory.
struct OutboundQueue {
    private var frames: [SharedBytes] = []
    private var head = 0
    /// Bytes of `frames[head]` already written.
    private var headOffset = 0
    /// Bytes queued and not yet written.
    private(set) var queuedBytes = 0

    var isEmpty: Bool { head == frames.count }

    mutating func append(_ frame: SharedBytes) {
        frames.append(frame)
        queuedBytes += frame.count
    }

    /// Points up to `max` iovecs at the queued bytes, oldest first. Returns how many were filled.
    func fill(_ iov: UnsafeMutablePointer<iovec>, max: Int) -> Int {
        var n = 0
        var i = head
        while i < frames.count && n < max {
            let frame = frames[i]
            let skip = i == head ? headOffset : 0
            iov[n] = iovec(iov_base: UnsafeMutableRawPointer(mutating: frame.base + skip), iov_len: frame.count - skip)
            n += 1
            i += 1
        }
        return n
    }

    /// The unwritten part of the oldest frame.
    var headChunk: UnsafeRawBufferPointer? {
        guard head < frames.count else { return nil }
        let frame = frames[head]
        return UnsafeRawBufferPointer(start: frame.base + headOffset, count: frame.count - headOffset)
    }

    /// Copies queued bytes, oldest first, into `buffer` (for TLS, which encrypts one record at a time).
    func gather(into buffer: UnsafeMutableRawBufferPointer, limit: Int) -> Int {
        var copied = 0
        var i = head
        let cap = min(limit, buffer.count)
        while i < frames.count && copied < cap {
            let frame = frames[i]
            let skip = i == head ? headOffset : 0
            let take = min(frame.count - skip, cap - copied)
            (buffer.baseAddress! + copied).copyMemory(from: frame.base + skip, byteCount: take)
            copied += take
            i += 1
        }
        return copied
    }

    /// Drops `count` written bytes from the front.
    mutating func consume(_ count: Int) {
        var remaining = count
        queuedBytes -= count
        while remaining > 0 && head < frames.count {
            let left = frames[head].count - headOffset
            if remaining >= left {
                remaining -= left
                head += 1
                headOffset = 0
            } else {
                headOffset += remaining
                remaining = 0
            }
        }
        compact()
    }

    mutating func removeAll() {
        frames = []
        head = 0
        headOffset = 0
        queuedBytes = 0
    }

    private mutating func compact() {
        if head == frames.count {
            // Idle connections should hold no storage; a small array is kept for the next burst.
            frames.removeAll(keepingCapacity: frames.capacity <= 16)
            head = 0
        } else if head >= 64 && head * 2 >= frames.count {
            frames.removeFirst(head)
            head = 0
        }
    }
}
