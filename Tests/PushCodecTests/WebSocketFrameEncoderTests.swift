import Testing
@testable import PushCodec

/// Encoder output compared byte for byte with RFC 6455 §5.7 and hand-written headers.
@Suite struct WebSocketFrameEncoderTests {
    let hello = WSBytes.ascii("Hello")

    @Test func headerSize_growsAtLengthBoundaries() {
        #expect(FrameEncoder.headerSize(payloadCount: 0, masked: false) == 2)
        #expect(FrameEncoder.headerSize(payloadCount: 125, masked: false) == 2)
        #expect(FrameEncoder.headerSize(payloadCount: 126, masked: false) == 4)
        #expect(FrameEncoder.headerSize(payloadCount: 65535, masked: false) == 4)
        #expect(FrameEncoder.headerSize(payloadCount: 65536, masked: false) == 10)
        #expect(FrameEncoder.headerSize(payloadCount: 125, masked: true) == 6)
        #expect(FrameEncoder.headerSize(payloadCount: 126, masked: true) == 8)
        #expect(FrameEncoder.headerSize(payloadCount: 65536, masked: true) == 14)
    }

    @Test func writeHeader_writes16BitLengthAndMask() {
        var out = [UInt8](repeating: 0xee, count: 16)
        let written = out.withUnsafeMutableBytes {
            FrameEncoder.writeHeader(into: $0.baseAddress!, opcode: .binary, fin: false, payloadCount: 300, maskKey: 0x0102_0304)
        }
        #expect(written == 8)
        #expect(Array(out[..<9]) == WSBytes.hex("02 fe 01 2c 01 02 03 04 ee"))
    }

    @Test func writeHeader_writes64BitLength() {
        var out = [UInt8](repeating: 0, count: 10)
        let written = out.withUnsafeMutableBytes {
            FrameEncoder.writeHeader(into: $0.baseAddress!, opcode: .binary, fin: true, payloadCount: 65536, maskKey: nil)
        }
        #expect(written == 10)
        #expect(out == WSBytes.hex("82 7f 00 00 00 00 00 01 00 00"))
    }

    @Test func serverFrame_encodesUnmaskedHello() {
        #expect(FrameEncoder.serverFrame(text: "Hello").array == WSBytes.hex("81 05 48 65 6c 6c 6f"))
        #expect(FrameEncoder.serverFrame(.text, payload: hello).array == WSBytes.hex("81 05 48 65 6c 6c 6f"))
    }

    @Test func serverFrame_encodesFragmentedHello() {
        let first = WSBytes.ascii("Hel").withUnsafeBytes { FrameEncoder.serverFrame(.text, payload: $0, fin: false) }
        let second = WSBytes.ascii("lo").withUnsafeBytes { FrameEncoder.serverFrame(.continuation, payload: $0) }
        #expect(first.array == WSBytes.hex("01 03 48 65 6c"))
        #expect(second.array == WSBytes.hex("80 02 6c 6f"))
    }

    @Test func serverFrame_encodesUnmaskedPing() {
        #expect(FrameEncoder.serverFrame(.ping, payload: hello).array == WSBytes.hex("89 05 48 65 6c 6c 6f"))
    }

    @Test func serverFrame_encodesEmptyPayload() {
        #expect(FrameEncoder.serverFrame(.pong, payload: []).array == [0x8a, 0x00])
    }

    @Test func serverFrame_encodes256And64KiBBinary() {
        let small = WSBytes.pattern(256)
        let big = WSBytes.pattern(65536)
        #expect(FrameEncoder.serverFrame(.binary, payload: small).array == WSBytes.hex("82 7e 01 00") + small)
        #expect(FrameEncoder.serverFrame(.binary, payload: big).array == WSBytes.hex("82 7f 00 00 00 00 00 01 00 00") + big)
    }

    @Test func clientFrame_encodesMaskedHelloAndPong() {
        let text = hello.withUnsafeBytes { FrameEncoder.clientFrame(.text, payload: $0, maskKey: 0x37fa_213d) }
        let pong = hello.withUnsafeBytes { FrameEncoder.clientFrame(.pong, payload: $0, maskKey: 0x37fa_213d) }
        #expect(text == WSBytes.hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"))
        #expect(pong == WSBytes.hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"))
    }

    @Test func clientFrame_masksLongPayloadLikeTheObviousLoop() {
        let payload = WSBytes.pattern(1001)
        let key: [UInt8] = [0xde, 0xad, 0xbe, 0xef]
        let frame = payload.withUnsafeBytes { FrameEncoder.clientFrame(.binary, payload: $0, maskKey: 0xdead_beef, fin: false) }
        #expect(frame == WSBytes.hex("02 fe 03 e9 de ad be ef") + WSBytes.mask(payload, key: key))
    }

    @Test func clientFrame_roundTripsThroughServerDecoder() {
        let payload = WSBytes.pattern(5000)
        let frame = payload.withUnsafeBytes { FrameEncoder.clientFrame(.binary, payload: $0, maskKey: 0x0bad_f00d) }
        let outcome = WSFeed.decodeInChunks(frame, role: .server)
        #expect(outcome.frames.map(\.payload) == [payload])
    }

    @Test func closePayload_isCodeThenReason() {
        #expect(FrameEncoder.closePayload(code: .normal, reason: "bye") == WSBytes.hex("03 e8 62 79 65"))
        #expect(FrameEncoder.closePayload(code: .goingAway, reason: "") == WSBytes.hex("03 e9"))
    }

    @Test func closePayload_truncatesWithoutCuttingACharacter() throws {
        // 1 + 4 * 40 bytes: only 30 emoji fit after the "a" in 123 bytes.
        let payload = FrameEncoder.closePayload(code: .policyViolation, reason: "a" + String(repeating: "😀", count: 40))
        #expect(payload.count == 2 + 1 + 4 * 30)
        #expect(Array(payload[2...]) == Array(("a" + String(repeating: "😀", count: 30)).utf8))

        let twoByte = FrameEncoder.closePayload(code: .normal, reason: String(repeating: "é", count: 100))
        #expect(twoByte.count == 2 + 122)
        var validator = UTF8Validator()
        #expect(twoByte.withUnsafeBytes { validator.validate(UnsafeRawBufferPointer(rebasing: $0[2...])) })
        #expect(validator.isAtBoundary)
    }

    @Test func closePayload_keepsReasonOfExactly123Bytes() {
        let reason = String(repeating: "x", count: 123)
        #expect(FrameEncoder.closePayload(code: .normal, reason: reason).count == 125)
    }

    @Test func webSocketError_mapsToCloseCodesAndShortReasons() {
        #expect(WebSocketError.protocolError("p").closeCode.rawValue == 1002)
        #expect(WebSocketError.invalidUTF8("u").closeCode.rawValue == 1007)
        #expect(WebSocketError.policyViolation("v").closeCode.rawValue == 1008)
        #expect(WebSocketError.messageTooBig("b").closeCode.rawValue == 1009)
        #expect(WebSocketError.protocolError("short").reason == "short")
        let long = WebSocketError.policyViolation(String(repeating: "ü", count: 100)).reason
        #expect(long.utf8.count == 122)
        #expect(long == String(repeating: "ü", count: 61))
    }

    @Test func opcode_classifiesControlAndReserved() {
        #expect([Opcode.close, .ping, .pong].filter(\.isControl).count == 3)
        #expect(![Opcode.continuation, .text, .binary].contains { $0.isControl })
        let reserved = (0...15).filter { Opcode(rawValue: UInt8($0)).isReserved }
        #expect(reserved == [3, 4, 5, 6, 7, 11, 12, 13, 14, 15])
    }

    @Test func closeCode_allowedOnWire_followsRFC6455() {
        let allowed = (0...5500).filter { CloseCode.isAllowedOnWire(UInt16($0)) }
        #expect(allowed == Array(1000...1003) + Array(1007...1011) + Array(3000...4999))
        #expect(!CloseCode.isAllowedOnWire(65535))
        #expect(CloseCode.mandatoryExtension.rawValue == 1010 && CloseCode.internalError.rawValue == 1011)
    }
}
