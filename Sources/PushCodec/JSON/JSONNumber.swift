/// A JSON number kept as its exact literal text, so re-serialization is byte-identical.
///
/// Equality compares the literal: `1.0` and `1` are different values here, because
/// they are written differently.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal as it appears in JSON text (always valid RFC 8259 number grammar).
    public let literal: String

    /// Wraps a literal the parser has already validated.
    init(validatedLiteral: String) {
        self.literal = validatedLiteral
    }

    /// A number from literal text; nil unless `literal` is exactly one RFC 8259 number.
    public init?(literal: String) {
        guard case .number(let parsed)? = try? JSONParser.parse(literal), parsed.literal == literal else {
            return nil
        }
        self = parsed
    }

    /// A number from an integer.
    public init(_ value: Int) {
        self.literal = String(value)
    }

    /// A number from a 64-bit integer.
    public init(_ value: Int64) {
        self.literal = String(value)
    }

    /// A number from a double (shortest round-trip text); nil for NaN and infinities.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        // Swift prints the shortest text that round-trips, always in JSON grammar
        // for finite values ("1.0", "1e-05", "1e+16", "-0.0").
        self.literal = value.description
    }

    public var description: String { literal }

    /// True when the literal has neither a fraction nor an exponent.
    public var isIntegerLiteral: Bool {
        !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value as an `Int64` when it is a whole number that fits exactly.
    ///
    /// Integer literals convert digit by digit (no precision loss up to `Int64.max`);
    /// literals with a fraction or exponent (`1.0`, `1e3`) convert when their value is
    /// integral and within ±2^53, where a double is still exact.
    public var int64: Int64? {
        if isIntegerLiteral { return Self.parseInteger(literal) }
        guard let d = double, d.rounded(.towardZero) == d, abs(d) <= 9_007_199_254_740_992 else { return nil }
        return Int64(d)
    }

    /// The value as the nearest `Double`; nil when it overflows to infinity.
    public var double: Double? {
        guard let d = Double(literal), d.isFinite else { return nil }
        return d
    }

    /// Accumulates toward negative so `Int64.min` parses; nil on overflow.
    private static func parseInteger(_ text: String) -> Int64? {
        var negative = false
        var accumulator: Int64 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "-") { negative = true; continue }
            let (times10, o1) = accumulator.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.subtractingReportingOverflow(Int64(byte &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            accumulator = next
        }
        if negative { return accumulator }
        return accumulator == .min ? nil : -accumulator
    }
}
