import Testing
@testable import PushCodec

/// Decoder checks on literal bytes (RFC 6455 §5.7 examples and hand-built frames), never on encoder output.
@Suite struct WebSocketFrameDecoderTests {
    let hello = WSBytes.ascii("Hello")

    // MARK: RFC 6455 §5.7 examples

    @Test func decoder_decodesUnmaskedHello_whenClient() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("81 05 48 65 6c 6c 6f"), role: .client)
        #expect(outcome.error == nil)
        #expect(outcome.frames == [DecodedFrame(header: FrameHeader(fin: true, opcode: .text, payloadLength: 5), payload: hello)])
    }

    @Test func decoder_decodesMaskedHello_whenServer() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"), role: .server)
        #expect(outcome.error == nil)
        #expect(outcome.frames == [DecodedFrame(
            header: FrameHeader(fin: true, opcode: .text, masked: true, payloadLength: 5, maskKey: 0x37fa_213d), payload: hello)])
    }

    @Test func decoder_decodesFragmentedHello_asTwoFrames() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("01 03 48 65 6c 80 02 6c 6f"), role: .client)
        #expect(outcome.error == nil)
        #expect(outcome.frames == [
            DecodedFrame(header: FrameHeader(fin: false, opcode: .text, payloadLength: 3), payload: WSBytes.ascii("Hel")),
            DecodedFrame(header: FrameHeader(fin: true, opcode: .continuation, payloadLength: 2), payload: WSBytes.ascii("lo")),
        ])
    }

    @Test func decoder_decodesUnmaskedPing() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("89 05 48 65 6c 6c 6f"), role: .client)
        #expect(outcome.frames == [DecodedFrame(header: FrameHeader(opcode: .ping, payloadLength: 5), payload: hello)])
        #expect(outcome.error == nil)
    }

    @Test func decoder_decodesMaskedPong() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"), role: .server)
        #expect(outcome.frames == [DecodedFrame(
            header: FrameHeader(opcode: .pong, masked: true, payloadLength: 5, maskKey: 0x37fa_213d), payload: hello)])
        #expect(outcome.error == nil)
    }

    @Test func decoder_decodes256ByteBinary_with16BitLength() {
        let payload = WSBytes.pattern(256)
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("82 7e 01 00") + payload, role: .client)
        #expect(outcome.frames == [DecodedFrame(header: FrameHeader(opcode: .binary, payloadLength: 256), payload: payload)])
        #expect(outcome.error == nil)
    }

    @Test func decoder_decodes64KiBBinary_with64BitLength() {
        let payload = WSBytes.pattern(65536)
        let outcome = WSFeed.decodeInChunks(WSBytes.hex("82 7f 00 00 00 00 00 01 00 00") + payload, role: .client)
        #expect(outcome.frames == [DecodedFrame(header: FrameHeader(opcode: .binary, payloadLength: 65536), payload: payload)])
        #expect(outcome.error == nil)
    }

    // MARK: masking across splits

    @Test func decoder_unmasks300ByteFrame_splitAnywhere() {
        let key: [UInt8] = [0xa1, 0x02, 0xc3, 0x74]
        let payload = WSBytes.pattern(300)
        let wire = WSBytes.hex("82 fe 01 2c") + key + WSBytes.mask(payload, key: key)
        let outcome = WSFeed.decodeEverySplit(wire, role: .server)
        #expect(outcome.frames == [DecodedFrame(
            header: FrameHeader(opcode: .binary, masked: true, payloadLength: 300, maskKey: 0xa102_c374), payload: payload)])
        #expect(outcome.error == nil)
    }

    @Test func decoder_unmasks64KiBFrame_inOddChunks() {
        let key: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        let payload = WSBytes.pattern(70000)
        let wire = WSBytes.hex("82 ff 00 00 00 00 00 01 11 70") + key + WSBytes.mask(payload, key: key)
        let outcome = WSFeed.decodeInChunks(wire, role: .server)
        #expect(outcome.frames.map(\.payload) == [payload])
        #expect(outcome.error == nil)
    }

    @Test func decoder_decodesSeveralFramesInOneInput() {
        let wire = WSBytes.hex("81 85 37 fa 21 3d 7f 9f 4d 51 58")   // "Hello"
            + WSBytes.hex("89 80 01 02 03 04")                       // empty ping
            + WSBytes.hex("82 82 00 00 00 00 ab cd")                 // zero key
        let outcome = WSFeed.decodeEverySplit(wire, role: .server)
        #expect(outcome.frames.map(\.payload) == [hello, [], [0xab, 0xcd]])
        #expect(outcome.frames.map(\.header.opcode) == [.text, .ping, .binary])
        #expect(outcome.error == nil)
    }

    @Test func decoder_acceptsNonMinimalLengthEncoding() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("82 7e 00 05 01 02 03 04 05"), role: .client)
        #expect(outcome.frames == [DecodedFrame(header: FrameHeader(opcode: .binary, payloadLength: 5), payload: [1, 2, 3, 4, 5])])
    }

    @Test func decoder_unmasksInPlace_whenWholeFrameIsInInput() throws {
        var decoder = FrameDecoder(maxFrameBytes: 100, role: .server)
        var wire = WSBytes.hex("81 85 37 fa 21 3d 7f 9f 4d 51 58")
        var sawPointerIntoInput = false
        try wire.withUnsafeMutableBytes { input in
            try decoder.decode(input) { _, payload in
                sawPointerIntoInput = payload.baseAddress == UnsafeRawPointer(input.baseAddress! + 6)
            }
        }
        #expect(sawPointerIntoInput)
        #expect(Array(wire[6...]) == hello)
    }

    @Test func decoder_releasesPayloadBuffer_afterSplitFrameOver4KiB() throws {
        var decoder = FrameDecoder(maxFrameBytes: 1 << 20, role: .client)
        let payload = WSBytes.pattern(10000)
        let wire = WSBytes.hex("82 7e 27 10") + payload
        var delivered: [[UInt8]] = []
        for range in [0..<3, 3..<5000, 5000..<wire.count] {
            var chunk = Array(wire[range])
            try chunk.withUnsafeMutableBytes { try decoder.decode($0) { delivered.append(Array($1)) } }
        }
        #expect(delivered == [payload])
        #expect(decoder.retainedCapacity.payload == 0)
        #expect(decoder.retainedCapacity.header <= 32)
    }

    @Test func decoder_holdsNothing_afterWholeFrames() throws {
        var decoder = FrameDecoder(maxFrameBytes: 100, role: .client)
        var wire = WSBytes.hex("81 05 48 65 6c 6c 6f")
        try wire.withUnsafeMutableBytes { try decoder.decode($0) { _, _ in } }
        #expect(decoder.retainedCapacity.header == 0)
        #expect(decoder.retainedCapacity.payload == 0)
    }

    // MARK: errors, each detected from the header alone

    @Test(arguments: [(0xc1 as UInt8, "RSV1"), (0xa1, "RSV2"), (0x91, "RSV3")])
    func decoder_rejectsRSVBit(firstByte: UInt8, name: String) {
        let outcome = WSFeed.decodeEverySplit([firstByte, 0x80], role: .server)
        #expect(outcome.error == .protocolError("\(name) is set but no extension was negotiated"))
        #expect(outcome.error?.closeCode == .protocolError)
        #expect(outcome.frames.isEmpty)
    }

    @Test(arguments: [3, 4, 5, 6, 7, 11, 12, 13, 14, 15] as [UInt8])
    func decoder_rejectsReservedOpcode(opcode: UInt8) {
        let outcome = WSFeed.decodeEverySplit([0x80 | opcode, 0x80], role: .server)
        #expect(outcome.error == .protocolError("reserved opcode \(opcode)"))
    }

    @Test func decoder_rejectsFragmentedPing() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("09 80"), role: .server)
        #expect(outcome.error == .protocolError("fragmented ping frame"))
    }

    @Test func decoder_rejects126BytePing() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("89 fe 00 7e"), role: .server)
        #expect(outcome.error == .protocolError("ping frame longer than 125 bytes"))
    }

    @Test func decoder_rejectsUnmaskedFrame_whenServer() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("81 05 48 65 6c 6c 6f"), role: .server)
        #expect(outcome.error == .protocolError("client frame is not masked"))
        #expect(outcome.frames.isEmpty)
    }

    @Test func decoder_rejectsMaskedFrame_whenClient() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"), role: .client)
        #expect(outcome.error == .protocolError("server frame is masked"))
    }

    @Test func decoder_rejects64BitLengthWithTopBitSet() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("82 ff 80 00 00 00 00 00 00 01"), role: .server)
        #expect(outcome.error == .protocolError("64-bit payload length has its top bit set"))
    }

    @Test func decoder_rejectsHuge64BitLength_asTooBig() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("82 ff 7f ff ff ff ff ff ff ff"), role: .server, maxFrameBytes: 1000)
        #expect(outcome.error == .messageTooBig("frame of 9223372036854775807 bytes exceeds the limit of 1000"))
        #expect(outcome.error?.closeCode == .messageTooBig)
    }

    @Test func decoder_rejectsFrameOverLimit_beforeItsPayloadArrives() {
        // Header only (no mask key, no payload): 1001 bytes announced with a 1000-byte limit.
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("82 fe 03 e9"), role: .server, maxFrameBytes: 1000)
        #expect(outcome.error == .messageTooBig("frame of 1001 bytes exceeds the limit of 1000"))
        #expect(outcome.error?.closeCode.rawValue == 1009)
    }

    @Test func decoder_acceptsFrameAtExactLimit() {
        let outcome = WSFeed.decodeEverySplit(WSBytes.hex("82 84 00 00 00 00 01 02 03 04"), role: .server, maxFrameBytes: 4)
        #expect(outcome.error == nil)
        #expect(outcome.frames.map(\.payload) == [[1, 2, 3, 4]])
    }

    @Test func decoder_deliversFramesBeforeTheBadOne_andStaysFailed() throws {
        var decoder = FrameDecoder(maxFrameBytes: 100, role: .server)
        var wire = WSBytes.hex("89 80 01 02 03 04 c1 80")
        var frames = 0
        #expect(throws: WebSocketError.protocolError("RSV1 is set but no extension was negotiated")) {
            try wire.withUnsafeMutableBytes { try decoder.decode($0) { _, _ in frames += 1 } }
        }
        #expect(frames == 1)
        var good = WSBytes.hex("89 80 01 02 03 04")
        #expect(throws: WebSocketError.protocolError("RSV1 is set but no extension was negotiated")) {
            try good.withUnsafeMutableBytes { try decoder.decode($0) { _, _ in frames += 1 } }
        }
        #expect(frames == 1)
        #expect(decoder.error == .protocolError("RSV1 is set but no extension was negotiated"))
    }

    @Test func decoder_latchesWebSocketErrorThrownByCallback() {
        var decoder = FrameDecoder(maxFrameBytes: 100, role: .client)
        var wire = WSBytes.hex("81 01 41")
        #expect(throws: WebSocketError.invalidUTF8("x")) {
            try wire.withUnsafeMutableBytes { try decoder.decode($0) { _, _ in throw WebSocketError.invalidUTF8("x") } }
        }
        #expect(decoder.error == .invalidUTF8("x"))
    }
}
