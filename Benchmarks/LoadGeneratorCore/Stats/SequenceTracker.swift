/// Loss and reorder accounting for one connection, which must see seq 0, 1, 2, ... in order.
///
/// A jump ahead opens a gap (those numbers count as missing); a number that arrives after a
/// higher one closes one missing slot and counts as reordered; anything else below the expected
/// number is a duplicate. At the end, `finish(published:)` turns an unreceived tail into loss.
public struct SequenceTracker: Sendable, Equatable {
    /// The next sequence number expected in order.
    public private(set) var nextExpected: Int64 = 0
    /// Numbers skipped over and not (yet) seen late.
    public private(set) var missing: Int64 = 0
    /// Numbers that arrived after a higher one.
    public private(set) var reordered: Int64 = 0
    /// Numbers seen when nothing was missing below them: delivered twice.
    public private(set) var duplicates: Int64 = 0
    /// Every sequenced event seen, duplicates included.
    public private(set) var received: Int64 = 0

    public init() {}

    @inline(__always)
    public mutating func record(_ seq: Int64) {
        received &+= 1
        if seq == nextExpected {
            nextExpected = seq &+ 1
        } else if seq > nextExpected {
            missing &+= seq &- nextExpected
            nextExpected = seq &+ 1
        } else if missing > 0 {
            missing &-= 1
            reordered &+= 1
        } else {
            duplicates &+= 1
        }
    }

    /// Lost numbers once `published` events (seq 0..<published) were sent: gaps plus the tail.
    public func lost(published: Int64) -> Int64 {
        missing + Swift.max(0, published - nextExpected)
    }
}
