import LoadGeneratorCore
import Testing

struct SequenceTrackerTests {
    static func track(_ seqs: [Int64]) -> SequenceTracker {
        var t = SequenceTracker()
        for s in seqs { t.record(s) }
        return t
    }

    @Test func tracker_countsNothing_forInOrderRun() {
        let t = Self.track(Array(0..<100))
        #expect(t.lost(published: 100) == 0 && t.reordered == 0 && t.duplicates == 0 && t.received == 100)
    }

    @Test func tracker_catchesDroppedEvent() {
        let t = Self.track([0, 1, 2, 4, 5])
        #expect(t.lost(published: 6) == 1)
        #expect(t.reordered == 0)
    }

    @Test func tracker_catchesSwappedPair_asReorderNotLoss() {
        let t = Self.track([0, 1, 3, 2, 4])
        #expect(t.lost(published: 5) == 0)
        #expect(t.reordered == 1)
        #expect(t.duplicates == 0)
    }

    @Test func tracker_countsUnreceivedTail_asLost() {
        let t = Self.track([0, 1, 2])
        #expect(t.lost(published: 10) == 7)
    }

    @Test func tracker_countsLostFirstEvent() {
        #expect(Self.track([1, 2, 3]).lost(published: 4) == 1)
    }

    @Test func tracker_separatesDuplicates_fromReorders() {
        let t = Self.track([0, 1, 1, 2, 5, 3])
        #expect(t.duplicates == 1)
        #expect(t.reordered == 1)
        #expect(t.lost(published: 6) == 1) // 4 never came
    }

    @Test func tracker_countsEverySkippedNumber_inLongGap() {
        let t = Self.track([0, 10])
        #expect(t.lost(published: 11) == 9)
    }
}
