import Glibc
import PushCodec

/// Bytes waiting to be written to one connection: references to shared frames, never copies.
///
/// A fan-out appends the same `SharedBytes` to thousands of queues; a flush turns the queue into
/// one `iovec` array and one `sendmsg`. Written frames are dropped lazily (a head index moves; the
/// array is compacted only when the dead prefix is large), so a partial write never shifts memory.
///
/// Memory (Docs/benchmarks.md, "Idle memory per connection"): the usual turn queues one frame,
/// which waits in `solo` and needs no array at all; the array is made only when a second frame
/// joins, and freed once everything is written, so an idle connection holds no queue storage.
struct OutboundQueue {
    /// The only queued frame while `frames` is unused (`frames` is empty whenever this is set).
    private var solo: SharedBytes?
    private var frames: [SharedBytes] = []
    private var head = 0
    /// Bytes of the oldest frame already written.
    private var headOffset = 0
    /// Bytes queued and not yet written.
    private(set) var queuedBytes = 0

    var isEmpty: Bool { solo == nil && head == frames.count }

    /// Frames the array has room for (0 when it holds no storage); for tests.
    var retainedCapacity: Int { frames.capacity }

    mutating func append(_ frame: SharedBytes) {
        queuedBytes += frame.count
        if solo == nil && frames.isEmpty {
            solo = frame
            return
        }
        if let first = solo {
            // A second frame in one turn: from here on the array holds them, oldest first.
            solo = nil
            frames.reserveCapacity(4)
            frames.append(first)
        }
        frames.append(frame)
    }

    /// Points up to `max` iovecs at the queued bytes, oldest first. Returns how many were filled.
    func fill(_ iov: UnsafeMutablePointer<iovec>, max: Int) -> Int {
        if let solo {
            guard max > 0 else { return 0 }
            iov[0] = iovec(iov_base: UnsafeMutableRawPointer(mutating: solo.base + headOffset), iov_len: solo.count - headOffset)
            return 1
        }
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
        let frame: SharedBytes
        if let solo { frame = solo } else if head < frames.count { frame = frames[head] } else { return nil }
        return UnsafeRawBufferPointer(start: frame.base + headOffset, count: frame.count - headOffset)
    }

    /// Copies queued bytes, oldest first, into `buffer` (for TLS, which encrypts one record at a time).
    func gather(into buffer: UnsafeMutableRawBufferPointer, limit: Int) -> Int {
        if let solo {
            let take = min(solo.count - headOffset, limit, buffer.count)
            buffer.baseAddress!.copyMemory(from: solo.base + headOffset, byteCount: take)
            return take
        }
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
        if let solo {
            if count >= solo.count - headOffset {
                self.solo = nil
                headOffset = 0
            } else {
                headOffset += count
            }
            return
        }
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
        solo = nil
        frames = []
        head = 0
        headOffset = 0
        queuedBytes = 0
    }

    private mutating func compact() {
        if head == frames.count {
            // Drained: an idle connection holds no storage (the next single frame needs none).
            frames = []
            head = 0
        } else if head >= 64 && head * 2 >= frames.count {
            frames.removeFirst(head)
            head = 0
        }
    }
}
