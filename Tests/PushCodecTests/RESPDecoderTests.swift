import PushCodec
import Testing

/// The RESP2 decoder on bytes captured from redis-server (Fixtures/resp) and hand-made streams,
/// cut at every byte boundary.
@Suite struct RESPDecoderTests {
    static let mixedReplies: [RESPValue] = [
        .simpleString("PONG"), .simpleString("OK"), .bulkString(nil), .bulk("hello"), .integer(1),
        .error("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' "),
        .integer(2),
        .bulks("user", "alice", "scope", "push"),
        .integer(3),
        .simpleString("OK"), .simpleString("QUEUED"), .simpleString("QUEUED"), .simpleString("QUEUED"), .simpleString("QUEUED"),
        .array([.bulks("a", "b", ""), .integer(-4), .simpleString("OK"), .bulkString([0x00, 0x0D, 0x0A, 0xFF])]),
        .integer(1),
    ]

    static let subscriberStream: [RESPValue] = [
        .array([.bulk("subscribe"), .bulk("wamp-push:bus"), .integer(1)]),
        .array([.bulk("psubscribe"), .bulk("wamp-push:*"), .integer(2)]),
        .bulks("message", "wamp-push:bus", #"{"v":1,"origin":"node-a","seq":1}"#),
        .bulks("pmessage", "wamp-push:*", "wamp-push:bus", #"{"v":1,"origin":"node-a","seq":1}"#),
        .bulks("pong", ""),
    ]

    @Test func capturedReplies_decodeAtEverySplit() throws {
        expectEveryRESPSplit(try Fixture.bytes("resp/replies-mixed.bin"), RESPOutcome(values: Self.mixedReplies))
    }

    @Test func capturedAbortedTransaction_endsInTheNullArray() throws {
        let expected = [RESPValue.simpleString("OK"), .simpleString("OK"), .simpleString("QUEUED"), .array(nil)]
        expectEveryRESPSplit(try Fixture.bytes("resp/replies-aborted-exec.bin"), RESPOutcome(values: expected))
    }

    @Test func capturedSubscriberStream_decodesAtEverySplit() throws {
        expectEveryRESPSplit(try Fixture.bytes("resp/subscriber-stream.bin"), RESPOutcome(values: Self.subscriberStream))
    }

    @Test func edgeValues_decode() {
        let stream = ":-9223372036854775808\r\n:9223372036854775807\r\n:-0\r\n*0\r\n$0\r\n\r\n+\r\n-\r\n*1\r\n*0\r\n"
        expectEveryRESPSplit(resp(stream), RESPOutcome(values: [
            .integer(.min), .integer(.max), .integer(0), .array([]), .bulkString([]), .simpleString(""), .error(""),
            .array([.array([])]),
        ]))
    }

    @Test func nullsInsideArrays_keepTheirPlace() {
        expectEveryRESPSplit(resp("*3\r\n$-1\r\n*-1\r\n:5\r\n"), RESPOutcome(values: [.array([.bulkString(nil), .array(nil), .integer(5)])]))
    }

    @Test func bulkString_mayHoldCRLFAndAnyByte() {
        var bytes = resp("$6\r\n")
        bytes += [0x0D, 0x0A, 0x00, 0x2B, 0x0D, 0x0A] + resp("\r\n")
        expectEveryRESPSplit(bytes, RESPOutcome(values: [.bulkString([0x0D, 0x0A, 0x00, 0x2B, 0x0D, 0x0A])]))
    }

    @Test(arguments: [
        ("resp/bad-unknown-type.bin", [RESPValue.simpleString("OK")], RESPError.malformed("unknown type byte 0x3f at the start of a value")),
        ("resp/bad-bulk-overrun.bin", [], .malformed("bulk string of 3 bytes is not followed by CRLF")),
        ("resp/bad-lf-without-cr.bin", [], .malformed("line ends in LF without CR")),
        ("resp/bad-integer-overflow.bin", [], .malformed("integer does not fit in 64 bits")),
        ("resp/bad-negative-length.bin", [], .malformed("bulk string length -2 is negative")),
    ])
    func malformedFixtures_areRefusedWithOneLine(file: String, before: [RESPValue], error: RESPError) throws {
        expectEveryRESPSplit(try Fixture.bytes(file), RESPOutcome(values: before, error: error))
        #expect(!error.description.contains("\n"))
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\n", RESPError.malformed("unknown type byte 0x48 at the start of a value")),
        ("\r\n", .malformed("empty line where a value was expected")),
        (":\r\n", .malformed("integer has no digits")),
        (":-\r\n", .malformed("integer has no digits")),
        (":+1\r\n", .malformed("integer has a non-digit byte 0x2b")),
        (":1 \r\n", .malformed("integer has a non-digit byte 0x20")),
        ("*-3\r\n", .malformed("array length -3 is negative")),
        ("$x\r\n", .malformed("bulk string length has a non-digit byte 0x78")),
        ("+O\rK\r\n", .malformed("CR inside a line")),
        ("$99999999999999999999\r\n", .malformed("bulk string length does not fit in 64 bits")),
    ])
    func garbage_isRefusedWithItsReason(text: String, error: RESPError) {
        expectEveryRESPSplit(resp(text), RESPOutcome(error: error))
    }

    @Test func errorIsFinal_laterBytesAreIgnored() {
        var decoder = RESPDecoder()
        decoder.append(resp("?\r\n"))
        #expect(throws: RESPError.malformed("unknown type byte 0x3f at the start of a value")) { try decoder.next() }
        decoder.append(resp("+OK\r\n"))
        #expect(throws: RESPError.malformed("unknown type byte 0x3f at the start of a value")) { try decoder.next() }
        #expect(decoder.bufferedBytes == 0)
    }

    // MARK: Limits

    @Test func bulkOverLimit_isRefusedWhenItsHeaderArrives() throws {
        let limits = RESPLimits(maxBulkBytes: 10)
        var decoder = RESPDecoder(limits: limits)
        decoder.append(resp("$11\r\n"))
        #expect(throws: RESPError.limitExceeded("bulk string of 11 bytes is over the 10-byte limit")) { try decoder.next() }
        expectEveryRESPSplit(resp("$10\r\n0123456789\r\n"), limits: limits, RESPOutcome(values: [.bulk("0123456789")]))
    }

    @Test func arrayOverLimit_isRefusedWhenItsHeaderArrives() {
        let limits = RESPLimits(maxArrayElements: 2)
        expectEveryRESPSplit(resp("*3\r\n"), limits: limits,
                             RESPOutcome(error: .limitExceeded("array of 3 elements is over the 2-element limit")))
        expectEveryRESPSplit(resp("*2\r\n:1\r\n:2\r\n"), limits: limits, RESPOutcome(values: [.array([.integer(1), .integer(2)])]))
    }

    @Test func nestingOverLimit_isRefused() {
        let limits = RESPLimits(maxDepth: 2)
        expectEveryRESPSplit(resp("*1\r\n*1\r\n:1\r\n"), limits: limits, RESPOutcome(values: [.array([.array([.integer(1)])])]))
        expectEveryRESPSplit(resp("*1\r\n*1\r\n*1\r\n:1\r\n"), limits: limits,
                             RESPOutcome(error: .limitExceeded("arrays nested deeper than 2 levels")))
        // Empty and null arrays count as levels too (found by the resp fuzz target).
        expectEveryRESPSplit(resp("*1\r\n*1\r\n*0\r\n"), limits: limits,
                             RESPOutcome(error: .limitExceeded("arrays nested deeper than 2 levels")))
        expectEveryRESPSplit(resp("*1\r\n*1\r\n*-1\r\n"), limits: limits,
                             RESPOutcome(error: .limitExceeded("arrays nested deeper than 2 levels")))
        expectEveryRESPSplit(resp("*1\r\n*0\r\n"), limits: limits, RESPOutcome(values: [.array([.array([])])]))
    }

    @Test func lineOverLimit_isRefusedBeforeItsEnd() {
        let limits = RESPLimits(maxLineBytes: 8)
        expectEveryRESPSplit(resp("+12345678\r\n"), limits: limits, RESPOutcome(values: [.simpleString("12345678")]))
        expectEveryRESPSplit(resp("-123456789\r\n"), limits: limits,
                             RESPOutcome(error: .limitExceeded("line of more than 8 bytes")))
        // Too long and broken: the length decides, however the bytes arrive (found by the fuzzer:
        // whole, this was "LF without CR"; in pieces, the length was refused first).
        expectEveryRESPSplit(resp("+1234567890\n"), limits: limits, RESPOutcome(error: .limitExceeded("line of more than 8 bytes")))
        // No LF in sight: refused once more than a full line is buffered, not when the LF comes.
        var decoder = RESPDecoder(limits: limits)
        decoder.append(resp("+1234567890"))
        #expect(throws: RESPError.limitExceeded("line of more than 8 bytes")) { try decoder.next() }
    }

    @Test func valueOverLimit_isRefused_countingNestedElements() {
        let limits = RESPLimits(maxValueBytes: 24)
        // 4 + 7 + 7 = 18 bytes: fits.
        expectEveryRESPSplit(resp("*2\r\n$1\r\na\r\n$1\r\nb\r\n"), limits: limits, RESPOutcome(values: [.bulks("a", "b")]))
        // The third bulk string would take the value to 30 bytes.
        expectEveryRESPSplit(resp("*3\r\n$1\r\na\r\n$1\r\nb\r\n$4\r\ncdef\r\n"), limits: limits,
                             RESPOutcome(error: .limitExceeded("value of more than 24 bytes")))
        // An element count that cannot fit (3 bytes per element at least) is refused at once.
        expectEveryRESPSplit(resp("*9\r\n"), limits: limits, RESPOutcome(error: .limitExceeded("value of more than 24 bytes")))
        // The limit is per top-level value: many small values in a row are fine.
        expectEveryRESPSplit(resp(String(repeating: "$4\r\nabcd\r\n", count: 10)), limits: limits,
                             RESPOutcome(values: Array(repeating: .bulk("abcd"), count: 10)))
    }

    @Test func decodedValues_leaveNothingBuffered() throws {
        var decoder = RESPDecoder()
        let bytes = try Fixture.bytes("resp/replies-mixed.bin")
        decoder.append(bytes.dropLast(3))
        while try decoder.next() != nil {}
        #expect(!decoder.isIdle)
        decoder.append(bytes.suffix(3))
        #expect(try decoder.next() == .integer(1))
        #expect(decoder.isIdle)
        #expect(decoder.bufferedBytes == 0)
    }
}
