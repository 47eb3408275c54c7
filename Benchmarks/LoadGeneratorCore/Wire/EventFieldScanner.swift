/// Finds `"seq":<n>`, `"ts":<n>` and `"probe":` in an EVENT's JSON text without parsing it.
///
/// The publisher writes those keys before the padding, so the scan stops long before the end of
/// a 1 KiB event. A key is only matched where its opening quote is not escaped, so text inside a
/// string value can never be mistaken for one.
public enum EventFieldScanner {
    /// What one EVENT carried.
    public struct Fields: Equatable, Sendable {
        public var seq: Int64?
        public var ts: Int64?
        public var isProbe: Bool
        public init(seq: Int64? = nil, ts: Int64? = nil, isProbe: Bool = false) {
            self.seq = seq
            self.ts = ts
            self.isProbe = isProbe
        }
    }

    private static let quote = UInt8(ascii: "\"")
    private static let colon = UInt8(ascii: ":")

    @inline(__always)
    public static func scan(_ text: UnsafeRawBufferPointer) -> Fields {
        var fields = Fields()
        guard let base = text.baseAddress else { return fields }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = text.count
        var i = 0
        while i < n {
            if p[i] != quote { i &+= 1; continue }
            if i > 0 && p[i - 1] == UInt8(ascii: "\\") { i &+= 1; continue }
            // p[i] is an opening (or closing) quote; try the three keys.
            if i + 5 < n, p[i + 1] == UInt8(ascii: "s"), p[i + 2] == UInt8(ascii: "e"), p[i + 3] == UInt8(ascii: "q"),
               p[i + 4] == quote, p[i + 5] == colon {
                let (value, end) = integer(p, from: i + 6, count: n)
                fields.seq = value
                i = end
                if fields.ts != nil { return fields }
                continue
            }
            if i + 4 < n, p[i + 1] == UInt8(ascii: "t"), p[i + 2] == UInt8(ascii: "s"), p[i + 3] == quote, p[i + 4] == colon {
                let (value, end) = integer(p, from: i + 5, count: n)
                fields.ts = value
                i = end
                if fields.seq != nil { return fields }
                continue
            }
            if i + 7 < n, p[i + 1] == UInt8(ascii: "p"), p[i + 2] == UInt8(ascii: "r"), p[i + 3] == UInt8(ascii: "o"),
               p[i + 4] == UInt8(ascii: "b"), p[i + 5] == UInt8(ascii: "e"), p[i + 6] == quote, p[i + 7] == colon {
                fields.isProbe = true
                return fields
            }
            i &+= 1
        }
        return fields
    }

    /// A non-negative decimal integer after optional spaces; nil when there is none or it overflows.
    @inline(__always)
    static func integer(_ p: UnsafePointer<UInt8>, from start: Int, count n: Int) -> (Int64?, Int) {
        var i = start
        while i < n, p[i] == UInt8(ascii: " ") { i &+= 1 }
        var value: Int64 = 0
        var digits = 0
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return (nil, i) }
            value = s
            digits &+= 1
            i &+= 1
        }
        return (digits > 0 ? value : nil, i)
    }

    /// Convenience for tests and tools.
    public static func scan(_ bytes: [UInt8]) -> Fields {
        bytes.withUnsafeBytes { scan($0) }
    }
}
