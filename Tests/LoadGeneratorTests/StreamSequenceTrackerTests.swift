import LoadGeneratorCore
import Testing

/// Order is owed per publish connection only: with 3 streams, seq 0, 3, 6 … form one stream.
struct StreamSequenceTrackerTests {
    static func track(_ seqs: [Int64], streams: Int) -> StreamSequenceTracker {
        var t = StreamSequenceTracker(streams: streams)
        for s in seqs { t.record(s) }
        return t
    }

    @Test func interleavedStreams_inOrderWithinEach_isNotReorder() {
        // Streams 0 (0,3,6), 1 (1,4,7), 2 (2,5,8) arrive interleaved out of global order.
        let t = Self.track([1, 0, 2, 4, 3, 5, 7, 6, 8], streams: 3)
        #expect(t.reordered == 0)
        #expect(t.duplicates == 0)
        #expect(t.lost(published: 9) == 0)
        #expect(t.received == 9)
    }

    @Test func swapWithinOneStream_isReorder() {
        let t = Self.track([0, 1, 3, 2, 4, 5], streams: 2) // stream 1: 1, 3, 5 fine; stream 0: 0, 2, 4 fine
        #expect(t.reordered == 0)
        let swapped = Self.track([0, 1, 4, 3, 2, 5], streams: 2) // stream 0 sees 0, 4, 2
        #expect(swapped.reordered == 1)
        #expect(swapped.lost(published: 6) == 0)
    }

    @Test func droppedEventAndUnreceivedTail_areLostInTheirStream() {
        // 10 published over 3 streams: stream 0 got 0,3,6,9; stream 1 lost 4; stream 2 lost its tail 8.
        let t = Self.track([0, 1, 2, 3, 5, 6, 7, 9], streams: 3)
        #expect(t.lost(published: 10) == 2)
        #expect(t.reordered == 0)
    }

    @Test func oneStream_behavesLikeSequenceTracker() {
        let seqs: [Int64] = [0, 2, 1, 1, 5]
        let streamed = Self.track(seqs, streams: 1)
        let plain = SequenceTrackerTests.track(seqs)
        #expect(streamed.reordered == plain.reordered)
        #expect(streamed.duplicates == plain.duplicates)
        #expect(streamed.lost(published: 7) == plain.lost(published: 7))
    }
}
