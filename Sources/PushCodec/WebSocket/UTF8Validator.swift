/// Checks UTF-8 incrementally, chunk by chunk, and fails at the first byte that can never be valid.
///
/// Fail-fast matters for WebSocket text (RFC 6455 §8.1, Autobahn 6.x): a bad byte in the first
/// fragment must close the connection before the rest of the message arrives. Each lead byte
/// narrows the range of its first continuation byte, which is how overlongs (E0 80..9F,
/// F0 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF (F4 90..) are refused
/// at the earliest possible byte.
public struct UTF8Validator: Sendable {
    /// Continuation bytes still expected for the current code point.
    private var pending: UInt8 = 0
    /// Allowed range of the next continuation byte.
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    private var failed = false

    public init() {}

    /// True when no code point is half-way through (and nothing invalid was seen).
    public var isAtBoundary: Bool { pending == 0 && !failed }

    /// Forgets everything, ready for a new message.
    public mutating func reset() { self = UTF8Validator() }

    /// Feeds the next bytes; false as soon as the text can no longer be valid UTF-8 (and from then on).
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !failed else { return false }
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0
        while i < count {
            if pending == 0 {
                // ASCII fast path: eight bytes at a time while no high bit is set.
                while i + 8 <= count, base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                }
                guard i < count else { break }
                let byte = bytes[i]
                i += 1
                if byte < 0x80 { continue }
                guard startSequence(byte) else { failed = true; return false }
            } else {
                let byte = bytes[i]
                i += 1
                guard byte >= lower && byte <= upper else { failed = true; return false }
                pending -= 1
                lower = 0x80
                upper = 0xBF
            }
        }
        return true
    }

    /// Sets up the expectations after a non-ASCII lead byte; false when it can never start a code point.
    private mutating func startSequence(_ lead: UInt8) -> Bool {
        switch lead {
        case 0xC2...0xDF: expect(1, 0x80, 0xBF)
        case 0xE0: expect(2, 0xA0, 0xBF)                 // below is an overlong 3-byte form
        case 0xE1...0xEC, 0xEE...0xEF: expect(2, 0x80, 0xBF)
        case 0xED: expect(2, 0x80, 0x9F)                 // above is a UTF-16 surrogate
        case 0xF0: expect(3, 0x90, 0xBF)                 // below is an overlong 4-byte form
        case 0xF1...0xF3: expect(3, 0x80, 0xBF)
        case 0xF4: expect(3, 0x80, 0x8F)                 // above is beyond U+10FFFF
        default: return false                            // continuation, C0/C1 overlongs, F5..FF
        }
        return true
    }

    private mutating func expect(_ continuations: UInt8, _ low: UInt8, _ high: UInt8) {
        pending = continuations
        lower = low
        upper = high
    }
}
