/// A log-linear histogram of non-negative integers (nanoseconds here): exact below 128, and
/// within 1/64 of the value above, in a fixed 3,776-slot table so recording never allocates.
///
/// Each power of two from 128 up is split into 64 equal sub-buckets (HdrHistogram's idea with
/// 6 bits of precision), which bounds the relative error of any percentile to 1.6 %.
public struct LatencyHistogram: Sendable {
    static let subBucketBits = 6
    static let subBucketCount = 1 << subBucketBits          // 64
    static let exactLimit: UInt64 = UInt64(2 * subBucketCount) // 128
    static let slotCount = (64 - subBucketBits) * subBucketCount + subBucketCount // 3,776

    private var counts: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var min: UInt64 = .max
    public private(set) var max: UInt64 = 0
    private var sum: Double = 0

    public init() {
        counts = [UInt64](repeating: 0, count: Self.slotCount)
    }

    /// Records one value; negative values (clock skew between processes) count as 0.
    @inline(__always)
    public mutating func record(_ value: Int64) {
        let v = value < 0 ? 0 : UInt64(value)
        counts[Self.slot(of: v)] &+= 1
        count &+= 1
        sum += Double(v)
        if v < min { min = v }
        if v > max { max = v }
    }

    /// Adds every value recorded by `other` (per-thread histograms merged at the end).
    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for i in 0..<Self.slotCount { counts[i] &+= other.counts[i] }
        count &+= other.count
        sum += other.sum
        if other.min < min { min = other.min }
        if other.max > max { max = other.max }
    }

    /// Mean of the recorded values, 0 when empty.
    public var mean: Double { count == 0 ? 0 : sum / Double(count) }

    /// The value at quantile `q` (0...1): the smallest value such that at least `q` of the
    /// recordings are at or below it, reported as the upper edge of its bucket (never above `max`).
    public func value(atQuantile q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let clamped = Swift.min(Swift.max(q, 0), 1)
        let rank = Swift.max(1, UInt64((clamped * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for slot in 0..<Self.slotCount {
            seen &+= counts[slot]
            if seen >= rank { return Swift.min(Self.upperEdge(ofSlot: slot), max) }
        }
        return max
    }

    /// Slot of a value: the value itself below 128, else (octave, top 7 bits).
    @inline(__always)
    static func slot(of v: UInt64) -> Int {
        if v < exactLimit { return Int(v) }
        let exponent = 63 - v.leadingZeroBitCount          // >= 7
        let shift = exponent - subBucketBits                // >= 1
        let sub = Int(truncatingIfNeeded: v >> UInt64(shift)) // in 64..<128
        return shift * subBucketCount + sub
    }

    /// Largest value that lands in `slot`.
    static func upperEdge(ofSlot slot: Int) -> UInt64 {
        if slot < Int(exactLimit) { return UInt64(slot) }
        let shift = slot / subBucketCount - 1
        let sub = UInt64(slot - shift * subBucketCount)
        // Top slot's edge would overflow: saturate.
        let (next, overflow) = (sub + 1).multipliedReportingOverflow(by: UInt64(1) << UInt64(shift))
        return overflow ? .max : next - 1
    }
}
