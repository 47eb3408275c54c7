import LoadGeneratorCore
import Testing

/// The load generator's own parser for unmasked server frames.
struct ServerFrameParserTests {
    /// `[0,"s",1,"x"]` as one unmasked text frame.
    static let welcome: [UInt8] = [0x81, 0x0D] + Array("[0,\"s\",1,\"x\"]".utf8)
    /// A ping with payload "hi", a 200-byte binary frame (16-bit length), a close 1000.
    static let ping: [UInt8] = [0x89, 0x02, 0x68, 0x69]
    static let medium: [UInt8] = [0x82, 0x7E, 0x00, 0xC8] + [UInt8](repeating: 0x61, count: 200)
    static let close: [UInt8] = [0x88, 0x02, 0x03, 0xE8]
    /// A 70,000-byte text frame with the 64-bit length form.
    static let large: [UInt8] = [0x81, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70] + [UInt8](repeating: 0x7A, count: 70_000)

    static var stream: [UInt8] { welcome + ping + medium + close + large }

    @Test func parser_decodesEachLengthForm_inOneBuffer() throws {
        var frames = FrameStream()
        let messages = try frames.feed(Self.stream)
        #expect(messages.map(\.opcode) == [1, 9, 2, 8, 1])
        #expect(messages.map(\.payload.count) == [13, 2, 200, 2, 70_000])
        #expect(messages[0].payload == Array("[0,\"s\",1,\"x\"]".utf8))
        #expect(messages[1].payload == [0x68, 0x69])
        #expect(messages[3].payload == [0x03, 0xE8])
        #expect(messages.allSatisfy { $0.fin })
        #expect(frames.bufferedCount == 0)
    }

    @Test func parser_givesSameFrames_whenStreamIsSplitAtEveryIndex() throws {
        let small = Self.welcome + Self.ping + Self.medium + Self.close
        let expected = try { var f = FrameStream(); return try f.feed(small) }()
        for split in 0...small.count {
            var frames = FrameStream()
            let first = try frames.feed(small[0..<split])
            let second = try frames.feed(small[split...])
            #expect(first + second == expected, "split at \(split)")
            #expect(frames.bufferedCount == 0)
        }
    }

    @Test func parser_waitsForWholeHeader_ofSixtyFourBitLength() throws {
        var frames = FrameStream()
        for i in 0..<9 { #expect(try frames.feed([Self.large[i]]).isEmpty) }
        #expect(try frames.feed(Self.large[9..<1000]).isEmpty)
        let done = try frames.feed(Self.large[1000...])
        #expect(done.count == 1 && done[0].payload.count == 70_000)
    }

    @Test func parser_reportsOffsets_ofFrameInBuffer() {
        let bytes = Self.ping + Self.welcome
        bytes.withUnsafeBytes { raw in
            #expect(ServerFrameParser.next(in: raw, at: 0) == .frame(.init(opcode: 9, fin: true, payloadOffset: 2, payloadCount: 2)))
            #expect(ServerFrameParser.next(in: raw, at: 4) == .frame(.init(opcode: 1, fin: true, payloadOffset: 6, payloadCount: 13)))
            #expect(ServerFrameParser.next(in: raw, at: 5) == .incomplete)
            #expect(ServerFrameParser.declaredFrameSize(in: raw, at: 4) == 15)
        }
    }

    @Test func parser_rejectsMaskedFrame_fromServer() {
        var frames = FrameStream()
        #expect(throws: ServerFrameError.maskedServerFrame) { try frames.feed([0x81, 0x82, 1, 2, 3, 4, 0x61, 0x62]) }
    }

    @Test func parser_rejectsReservedBits() {
        var frames = FrameStream()
        #expect(throws: ServerFrameError.reservedBitsSet) { try frames.feed([0xC1, 0x01, 0x61]) }
    }

    @Test func parser_rejectsLengthOverInt32() {
        var frames = FrameStream()
        #expect(throws: ServerFrameError.frameTooLarge(0x1_0000_0000)) { try frames.feed([0x82, 0x7F, 0, 0, 0, 1, 0, 0, 0, 0]) }
    }

    @Test func parser_keepsNonFinalFlag() throws {
        var frames = FrameStream()
        let messages = try frames.feed([0x01, 0x01, 0x61, 0x80, 0x01, 0x62])
        #expect(messages == [.init(opcode: 1, fin: false, payload: [0x61]), .init(opcode: 0, fin: true, payload: [0x62])])
    }
}
