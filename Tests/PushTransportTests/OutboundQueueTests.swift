import Glibc
import PushCodec
@testable import PushTransport
import Testing

/// The queue's bytes and order, across the one-frame (`solo`) and array forms and partial writes.
@Suite struct OutboundQueueTests {
    static func frame(_ text: String) -> SharedBytes { SharedBytes(Array(text.utf8)) }

    /// Everything queued, oldest first, as the flush would write it.
    static func pending(_ queue: OutboundQueue) -> String {
        let iov = UnsafeMutablePointer<iovec>.allocate(capacity: 16)
        defer { iov.deallocate() }
        let n = queue.fill(iov, max: 16)
        var bytes: [UInt8] = []
        for i in 0..<n {
            bytes += UnsafeRawBufferPointer(start: iov[i].iov_base, count: iov[i].iov_len)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func oneFrame_partialWrites_thenEmpty() {
        var queue = OutboundQueue()
        queue.append(Self.frame("hello"))
        #expect(Self.pending(queue) == "hello")
        queue.consume(2)
        #expect(Self.pending(queue) == "llo")
        #expect(queue.headChunk.map { Array($0) } == Array("llo".utf8))
        #expect(queue.queuedBytes == 3)
        queue.consume(3)
        #expect(queue.isEmpty)
        #expect(queue.queuedBytes == 0)
        #expect(queue.headChunk == nil)
    }

    @Test func secondFrame_afterPartialWriteOfFirst_keepsOrderAndOffset() {
        var queue = OutboundQueue()
        queue.append(Self.frame("abc"))
        queue.consume(1)
        queue.append(Self.frame("def"))
        queue.append(Self.frame("gh"))
        #expect(Self.pending(queue) == "bcdefgh")
        #expect(queue.queuedBytes == 7)
        queue.consume(4)
        #expect(Self.pending(queue) == "fgh")
        queue.consume(3)
        #expect(queue.isEmpty)
        // Drained: the next frame starts afresh in the one-frame form.
        queue.append(Self.frame("x"))
        #expect(Self.pending(queue) == "x")
    }

    @Test func gather_copiesUpToTheLimit_inBothForms() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)
        defer { buffer.deallocate() }
        var queue = OutboundQueue()
        queue.append(Self.frame("0123456789"))
        queue.consume(1)
        #expect(queue.gather(into: buffer, limit: 4) == 4)
        #expect(Array(buffer[0..<4]) == Array("1234".utf8))
        queue.append(Self.frame("ab"))
        #expect(queue.gather(into: buffer, limit: 100) == 8)
        #expect(Array(buffer[0..<8]) == Array("12345678".utf8))
        queue.consume(9)
        #expect(queue.gather(into: buffer, limit: 100) == 2)
        #expect(Array(buffer[0..<2]) == Array("ab".utf8))
    }

    @Test func fill_respectsMax() {
        var queue = OutboundQueue()
        queue.append(Self.frame("a"))
        let iov = UnsafeMutablePointer<iovec>.allocate(capacity: 2)
        defer { iov.deallocate() }
        #expect(queue.fill(iov, max: 0) == 0)
        queue.append(Self.frame("b"))
        queue.append(Self.frame("c"))
        #expect(queue.fill(iov, max: 2) == 2)
        queue.removeAll()
        #expect(queue.isEmpty)
        #expect(queue.queuedBytes == 0)
    }
}

extension OutboundQueueTests {
    @Test func drained_holdsNoArray_andOneFrameNeedsNone() {
        var queue = OutboundQueue()
        queue.append(Self.frame("a"))
        #expect(queue.retainedCapacity == 0)
        queue.append(Self.frame("b"))
        #expect(queue.retainedCapacity > 0)
        queue.consume(2)
        #expect(queue.isEmpty)
        #expect(queue.retainedCapacity == 0)
    }
}
