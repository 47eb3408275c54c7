import Testing
@testable import PushCodec

@Suite struct UTF8ValidatorTests {
    /// Validates `bytes` in one go; returns (valid so far, at boundary).
    func check(_ bytes: [UInt8]) -> (Bool, Bool) {
        var validator = UTF8Validator()
        let ok = bytes.withUnsafeBytes { validator.validate($0) }
        return (ok, validator.isAtBoundary)
    }

    /// Same bytes fed one at a time; returns the index of the first refused byte, if any.
    func firstRefusedByte(_ bytes: [UInt8]) -> Int? {
        var validator = UTF8Validator()
        for (i, byte) in bytes.enumerated() where ![byte].withUnsafeBytes({ validator.validate($0) }) { return i }
        return nil
    }

    @Test func validator_acceptsASCIIAndMultibyteText() {
        let text = Array("plain ASCII longer than eight bytes, κόσμε, €, 😀, \u{10FFFF}".utf8)
        #expect(check(text) == (true, true))
        #expect(firstRefusedByte(text) == nil)
        #expect(check([]) == (true, true))
    }

    @Test(arguments: [
        [0xc0, 0xaf], [0xc1, 0xbf],                 // overlong 2-byte
        [0xe0, 0x80, 0xaf], [0xe0, 0x9f, 0xbf],     // overlong 3-byte
        [0xf0, 0x80, 0x80, 0xaf], [0xf0, 0x8f, 0xbf, 0xbf], // overlong 4-byte
    ] as [[UInt8]])
    func validator_rejectsOverlongForms(bytes: [UInt8]) {
        #expect(check(bytes).0 == false)
        // Refused at the first byte that proves it: C0/C1 at once, E0/F0 at the second byte.
        #expect(firstRefusedByte(bytes) == (bytes[0] < 0xc2 ? 0 : 1))
    }

    @Test func validator_rejectsSurrogates() {
        #expect(firstRefusedByte([0xed, 0xa0, 0x80]) == 1)   // U+D800
        #expect(firstRefusedByte([0xed, 0xbf, 0xbf]) == 1)   // U+DFFF
        #expect(check([0xed, 0x9f, 0xbf]) == (true, true))    // U+D7FF
    }

    @Test func validator_acceptsMaxCodePoint_rejectsAbove() {
        #expect(check([0xf4, 0x8f, 0xbf, 0xbf]) == (true, true))    // U+10FFFF
        #expect(firstRefusedByte([0xf4, 0x90, 0x80, 0x80]) == 1)     // U+110000
    }

    @Test(arguments: Array(0xf5...0xff) as [UInt8])
    func validator_rejectsImpossibleLeadBytes(byte: UInt8) {
        #expect(firstRefusedByte([0x41, byte]) == 1)
    }

    @Test func validator_rejectsLoneContinuation() {
        #expect(firstRefusedByte([0x41, 0x80]) == 1)
        #expect(firstRefusedByte([0xc3, 0xa9, 0xa9]) == 2)
    }

    @Test func validator_rejectsMissingContinuation() {
        #expect(firstRefusedByte([0xe2, 0x82, 0x41]) == 2)
    }

    @Test func validator_reportsTruncatedSequence_asNotAtBoundary() {
        #expect(check([0x41, 0xf0, 0x9f, 0x98]) == (true, false))
        #expect(check([0xe2]) == (true, false))
    }

    @Test func validator_resumesAcrossChunks() {
        var validator = UTF8Validator()
        let bytes = Array("abcdefghij😀".utf8)
        #expect(bytes[..<11].withUnsafeBytes { validator.validate($0) })
        #expect(!validator.isAtBoundary)
        #expect(bytes[11...].withUnsafeBytes { validator.validate($0) })
        #expect(validator.isAtBoundary)
    }

    @Test func validator_findsBadByteAfterLongASCIIRun() {
        let bytes = [UInt8](repeating: 0x61, count: 37) + [0xff] + [UInt8](repeating: 0x61, count: 20)
        #expect(firstRefusedByte(bytes) == 37)
        #expect(check(bytes) == (false, false))
    }

    @Test func validator_staysFailed_untilReset() {
        var validator = UTF8Validator()
        #expect(![0xff].withUnsafeBytes { validator.validate($0) })
        #expect(![0x41].withUnsafeBytes { validator.validate($0) })
        #expect(!validator.isAtBoundary)
        validator.reset()
        #expect([0x41].withUnsafeBytes { validator.validate($0) })
        #expect(validator.isAtBoundary)
    }
}
