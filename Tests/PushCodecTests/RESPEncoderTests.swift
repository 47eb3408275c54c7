import PushCodec
import Testing

@Suite struct RESPEncoderTests {
    @Test func command_isAnArrayOfBulkStrings() {
        let command = RESPEncoder.command(["SET", "key", .bytes([0x00, 0x0D, 0x0A]), 42, "héllo", -7])
        #expect(command.array == resp("*6\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\n") + [0x00, 0x0D, 0x0A]
            + resp("\r\n$2\r\n42\r\n$6\r\nhéllo\r\n$2\r\n-7\r\n"))
    }

    @Test func commandSize_matchesTheBytesWritten() {
        let cases: [[RESPArgument]] = [
            [], ["PING"], [""], [0], [9], [10], [-1], [-10], [.integer(.max)], [.integer(.min)],
            ["PUBLISH", "wamp-push:bus", .bytes(Array(repeating: 0x41, count: 1000))],
            Array(repeating: "x", count: 12),
        ]
        for arguments in cases {
            let command = RESPEncoder.command(arguments)
            #expect(command.count == RESPEncoder.commandSize(arguments))
            // What Redis reads: the same arguments, as bulk strings.
            let decoded = decodeRESP([command.array[...]])
            #expect(decoded.error == nil)
            #expect(decoded.values == [.array(arguments.map(Self.asBulk))], "\(arguments)")
        }
    }

    @Test func capturedStreams_reencodeToTheSameBytes() throws {
        for name in ["replies-mixed", "replies-aborted-exec", "subscriber-stream"] {
            let bytes = try Fixture.bytes("resp/\(name).bin")
            let decoded = decodeRESP([bytes[...]])
            #expect(decoded.error == nil)
            let encoded = decoded.values.flatMap { RESPEncoder.encode($0) }
            #expect(encoded == bytes, "\(name)")
            #expect(decoded.values.reduce(0) { $0 + RESPEncoder.size(of: $1) } == bytes.count)
        }
    }

    @Test func lineBreaksInSimpleStrings_areWrittenAsSpaces() {
        #expect(RESPEncoder.encode(.simpleString("a\r\nb")) == resp("+a  b\r\n"))
        #expect(RESPEncoder.encode(.error("ERR\nx")) == resp("-ERR x\r\n"))
    }

    @Test func nulls_andNesting_roundTrip() {
        let value = RESPValue.array([.bulkString(nil), .array(nil), .array([.array([]), .integer(.min)]), .error("E"), .bulk("")])
        #expect(decodeRESP([RESPEncoder.encode(value)[...]]) == RESPOutcome(values: [value]))
    }

    static func asBulk(_ argument: RESPArgument) -> RESPValue {
        switch argument {
        case .string(let text): .bulk(text)
        case .bytes(let bytes): .bulkString(bytes)
        case .integer(let value): .bulk(String(value))
        }
    }
}
