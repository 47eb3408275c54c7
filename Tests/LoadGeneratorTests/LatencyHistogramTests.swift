@testable import LoadGeneratorCore
import Testing

struct LatencyHistogramTests {
    @Test func histogram_isExact_belowOneHundredTwentyEight() {
        var h = LatencyHistogram()
        for v in 1...100 { h.record(Int64(v)) }
        #expect(h.count == 100)
        #expect(h.value(atQuantile: 0.5) == 50)
        #expect(h.value(atQuantile: 0.99) == 99)
        #expect(h.value(atQuantile: 0.999) == 100)
        #expect(h.value(atQuantile: 1) == 100)
        #expect(h.value(atQuantile: 0) == 1)
        #expect(h.min == 1 && h.max == 100)
        #expect(h.mean == 50.5)
    }

    @Test func histogram_staysWithinOneSixtyFourth_forLargeValues() {
        for value: UInt64 in [128, 129, 1_000, 65_537, 1_000_000, 123_456_789, 5_000_000_000, UInt64(Int64.max)] {
            var h = LatencyHistogram()
            h.record(Int64(bitPattern: value))
            // A single value reads back as itself (clamped to max)...
            #expect(h.value(atQuantile: 0.5) == value)
            // ...and its bucket's upper edge is at most 1/64 above it.
            let edge = LatencyHistogram.upperEdge(ofSlot: LatencyHistogram.slot(of: value))
            #expect(edge >= value && Double(edge - value) <= Double(value) / 64)
        }
    }

    @Test func histogram_slotsAreMonotonic() {
        var previous = -1
        var v: UInt64 = 0
        while v < 10_000_000 {
            let slot = LatencyHistogram.slot(of: v)
            #expect(slot >= previous)
            previous = slot
            v = v < 1000 ? v + 1 : v + v / 97
        }
        #expect(LatencyHistogram.slot(of: .max) == LatencyHistogram.slotCount - 1)
    }

    @Test func histogram_percentiles_ofTwoPopulations() {
        var h = LatencyHistogram()
        for _ in 0..<990 { h.record(1_000_000) }   // 1 ms
        for _ in 0..<10 { h.record(100_000_000) }  // 100 ms
        let p50 = h.value(atQuantile: 0.5)
        let p999 = h.value(atQuantile: 0.999)
        #expect(p50 >= 1_000_000 && p50 <= 1_000_000 + 1_000_000 / 64)
        #expect(h.value(atQuantile: 0.99) == p50)
        #expect(p999 == 100_000_000)
        #expect(h.max == 100_000_000)
    }

    @Test func histogram_merge_addsCountsAndExtremes() {
        var a = LatencyHistogram(), b = LatencyHistogram()
        a.record(10); a.record(20)
        b.record(5); b.record(30)
        a.merge(b)
        #expect(a.count == 4 && a.min == 5 && a.max == 30)
        #expect(a.value(atQuantile: 0.5) == 10)
        #expect(a.value(atQuantile: 0.75) == 20)
    }

    @Test func histogram_countsNegativeAsZero() {
        var h = LatencyHistogram()
        h.record(-5)
        #expect(h.min == 0 && h.max == 0 && h.count == 1)
    }
}
