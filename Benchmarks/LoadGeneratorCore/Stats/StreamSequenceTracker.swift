/// Loss and reorder accounting for one connection fed by several publish streams: event `seq`
/// is number `seq / streams` of stream `seq % streams`, and each stream must arrive in order.
/// With one stream this is exactly `SequenceTracker`.
public struct StreamSequenceTracker: Sendable, Equatable {
    private var streams: [SequenceTracker]

    public init(streams: Int) { self.streams = Array(repeating: SequenceTracker(), count: max(1, streams)) }

    @inline(__always)
    public mutating func record(_ seq: Int64) {
        let count = Int64(streams.count)
        if count == 1 { streams[0].record(seq); return }
        streams[Int(seq % count)].record(seq / count)
    }

    /// Lost numbers once `published` events (seq 0..<published) were sent, over all streams.
    public func lost(published: Int64) -> Int64 {
        let count = Int64(streams.count)
        var total: Int64 = 0
        for (i, tracker) in streams.enumerated() {
            // Stream i got the seqs i, i + count, ... below `published`.
            let sent = published / count + (Int64(i) < published % count ? 1 : 0)
            total += tracker.lost(published: sent)
        }
        return total
    }

    public var reordered: Int64 { streams.reduce(0) { $0 + $1.reordered } }
    public var duplicates: Int64 { streams.reduce(0) { $0 + $1.duplicates } }
    public var received: Int64 { streams.reduce(0) { $0 + $1.received } }
}
