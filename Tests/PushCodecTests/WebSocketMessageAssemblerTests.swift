import Testing
@testable import PushCodec

@Suite struct WebSocketMessageAssemblerTests {
    typealias Event = WSAssemble.Event
    let frame = WSAssemble.frame

    @Test func assembler_deliversFragmentedText_withPingInBetween() {
        let outcome = WSAssemble.run([
            frame(.text, WSBytes.ascii("Hel"), false),
            frame(.ping, WSBytes.ascii("are you there"), true),
            frame(.continuation, WSBytes.ascii("lo"), true),
        ])
        #expect(outcome == WSAssemble.Outcome(events: [.ping(WSBytes.ascii("are you there")), .text(WSBytes.ascii("Hello"))]))
    }

    @Test func assembler_deliversFragmentedBinary_withPongAndEmptyFragments() {
        let outcome = WSAssemble.run([
            frame(.binary, [], false),
            frame(.continuation, [1, 2], false),
            frame(.pong, [9], true),
            frame(.continuation, [], false),
            frame(.continuation, [3], true),
        ])
        #expect(outcome == WSAssemble.Outcome(events: [.pong([9]), .binary([1, 2, 3])]))
    }

    @Test func assembler_passesUnfragmentedMessageThroughWithoutCopy() throws {
        var assembler = MessageAssembler(maxMessageBytes: 100)
        let payload = WSBytes.ascii("Hello")
        var samePointer = false
        try payload.withUnsafeBytes { bytes in
            try assembler.push(FrameHeader(opcode: .text, masked: true, payloadLength: 5), bytes) { event in
                if case .text(let p) = event { samePointer = p.baseAddress == bytes.baseAddress }
            }
        }
        #expect(samePointer)
    }

    @Test func assembler_releasesFragmentStorage_afterMessage() {
        var assembler = MessageAssembler(maxMessageBytes: 1 << 20)
        let outcome = WSAssemble.run([
            frame(.binary, WSBytes.pattern(3000), false),
            frame(.continuation, WSBytes.pattern(3000), true),
        ], on: &assembler)
        #expect(outcome.events == [.binary(WSBytes.pattern(3000) + WSBytes.pattern(3000))])
        #expect(assembler.retainedCapacity == 0)
    }

    @Test func assembler_rejectsContinuationWithoutStart() {
        let outcome = WSAssemble.run([frame(.continuation, WSBytes.ascii("lo"), true)])
        #expect(outcome.error == .protocolError("continuation frame without a message to continue"))
        #expect(outcome.error?.closeCode.rawValue == 1002)
    }

    @Test(arguments: [Opcode.text, .binary])
    func assembler_rejectsNewMessageDuringFragmentedMessage(opcode: Opcode) {
        let outcome = WSAssemble.run([
            frame(.text, WSBytes.ascii("Hel"), false),
            frame(opcode, WSBytes.ascii("lo"), true),
        ])
        #expect(outcome.events.isEmpty)
        #expect(outcome.error == .protocolError("new \(opcode) message while a fragmented message is in progress"))
    }

    @Test func assembler_enforcesSizeLimitAcrossFragments() {
        let fits = WSAssemble.run([frame(.text, WSBytes.ascii("Hel"), false), frame(.continuation, WSBytes.ascii("lo"), true)],
                                  maxMessageBytes: 5)
        #expect(fits.events == [.text(WSBytes.ascii("Hello"))])
        let over = WSAssemble.run([
            frame(.text, WSBytes.ascii("Hel"), false),
            frame(.continuation, WSBytes.ascii("lo"), false),
            frame(.continuation, WSBytes.ascii("!"), true),
        ], maxMessageBytes: 5)
        #expect(over.events.isEmpty)
        #expect(over.error == .messageTooBig("message exceeds the limit of 5 bytes"))
        #expect(over.error?.closeCode.rawValue == 1009)
    }

    @Test func assembler_enforcesSizeLimitOnSingleFrame() {
        let outcome = WSAssemble.run([frame(.binary, [1, 2, 3, 4, 5, 6], true)], maxMessageBytes: 5)
        #expect(outcome.error == .messageTooBig("message exceeds the limit of 5 bytes"))
    }

    @Test func assembler_failsFastOnInvalidUTF8InFirstFragment() throws {
        // Autobahn 6.4.x: "κόσμε" then ED A0 80 (a surrogate) in fragment 1; fragment 2 never comes.
        var assembler = MessageAssembler(maxMessageBytes: 1000)
        let first = WSBytes.hex("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80")
        let outcome = WSAssemble.run([frame(.text, first, false)], on: &assembler)
        #expect(outcome.error == .invalidUTF8("text message is not valid UTF-8"))
        #expect(outcome.error?.closeCode.rawValue == 1007)
        // And as early as the first impossible byte: ED A0 is already hopeless.
        let early = WSAssemble.run([frame(.text, WSBytes.hex("41 ed a0"), false)])
        #expect(early.error == .invalidUTF8("text message is not valid UTF-8"))
    }

    @Test func assembler_failsOnInvalidUTF8InLaterFragment() {
        let outcome = WSAssemble.run([
            frame(.text, WSBytes.ascii("ok"), false),
            frame(.continuation, [0xff], false),
        ])
        #expect(outcome.error == .invalidUTF8("text message is not valid UTF-8"))
    }

    @Test func assembler_acceptsCodePointSplitAcrossFragments() {
        // "A€" with € = E2 82 AC cut after its first byte.
        let outcome = WSAssemble.run([
            frame(.text, [0x41, 0xe2], false),
            frame(.continuation, [0x82], false),
            frame(.continuation, [0xac], true),
        ])
        #expect(outcome == WSAssemble.Outcome(events: [.text(Array("A€".utf8))]))
    }

    @Test func assembler_rejectsTextEndingInsideASequence() {
        let single = WSAssemble.run([frame(.text, [0x41, 0xe2, 0x82], true)])
        #expect(single.error == .invalidUTF8("text message ends inside a UTF-8 sequence"))
        let fragmented = WSAssemble.run([frame(.text, [0x41], false), frame(.continuation, [0xf0, 0x9f], true)])
        #expect(fragmented.error == .invalidUTF8("text message ends inside a UTF-8 sequence"))
    }

    @Test func assembler_doesNotValidateBinary() {
        let outcome = WSAssemble.run([frame(.binary, [0xff, 0xfe], true)])
        #expect(outcome.events == [.binary([0xff, 0xfe])])
    }

    @Test func assembler_staysFailedAfterError() {
        var assembler = MessageAssembler(maxMessageBytes: 100)
        _ = WSAssemble.run([frame(.continuation, [], true)], on: &assembler)
        let after = WSAssemble.run([frame(.text, WSBytes.ascii("fine"), true)], on: &assembler)
        #expect(after.error == .protocolError("continuation frame without a message to continue"))
        #expect(after.events.isEmpty)
    }

    // MARK: close frames

    @Test func close_emptyPayload_hasNoCode() {
        #expect(WSAssemble.run([frame(.close, [], true)]).events == [.close(nil, "")])
    }

    @Test func close_oneBytePayload_isProtocolError() {
        #expect(WSAssemble.run([frame(.close, [0x03], true)]).error == .protocolError("close payload of 1 byte"))
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 2999, 5000, 65535] as [UInt16])
    func close_codeNotAllowedOnWire_isProtocolError(code: UInt16) {
        let outcome = WSAssemble.run([frame(.close, [UInt8(code >> 8), UInt8(code & 0xff)], true)])
        #expect(outcome.error == .protocolError("close code \(code) is not allowed"))
        #expect(outcome.error?.closeCode.rawValue == 1002)
    }

    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999] as [UInt16])
    func close_allowedCode_isDelivered(code: UInt16) {
        let outcome = WSAssemble.run([frame(.close, [UInt8(code >> 8), UInt8(code & 0xff)] + Array("bye ✓".utf8), true)])
        #expect(outcome == WSAssemble.Outcome(events: [.close(code, "bye ✓")]))
    }

    @Test func close_invalidUTF8Reason_isInvalidPayload() {
        let outcome = WSAssemble.run([frame(.close, [0x03, 0xe8, 0x61, 0xc0, 0xaf], true)])
        #expect(outcome.error == .invalidUTF8("close reason is not valid UTF-8"))
        #expect(outcome.error?.closeCode.rawValue == 1007)
        let truncated = WSAssemble.run([frame(.close, [0x03, 0xe8, 0xe2, 0x82], true)])
        #expect(truncated.error == .invalidUTF8("close reason is not valid UTF-8"))
    }

    @Test func close_mayInterleaveFragmentedMessage() {
        let outcome = WSAssemble.run([frame(.text, WSBytes.ascii("Hel"), false), frame(.close, [0x03, 0xe8], true)])
        #expect(outcome == WSAssemble.Outcome(events: [.close(1000, "")]))
    }
}
