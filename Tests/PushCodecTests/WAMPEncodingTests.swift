import Testing
@testable import PushCodec

@Suite struct WAMPEncodingTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func welcome_exactBytes() {
        let bytes = WAMPCodec.welcome(sessionId: "abc", serverIdent: "wamp-push/0.1.0")
        #expect(bytes == Array("[0,\"abc\",1,\"wamp-push/0.1.0\"]".utf8))
    }

    @Test func callError_exactBytes_withAndWithoutDetails() {
        let plain = WAMPCodec.callError(callId: "c1", errorURI: "http://wamp-push/error#notallowed",
                                        description: "You are not allowed to make calls")
        #expect(text(plain) == "[4,\"c1\",\"http://wamp-push/error#notallowed\",\"You are not allowed to make calls\"]")
        let detailed = WAMPCodec.callError(callId: "c1", errorURI: "u", description: "d", details: ["n": 1])
        #expect(text(detailed) == "[4,\"c1\",\"u\",\"d\",{\"n\":1}]")
    }

    @Test func callResult_exactBytes() {
        #expect(text(WAMPCodec.callResult(callId: "x", result: [1, "two"])) == "[3,\"x\",[1,\"two\"]]")
    }

    @Test func event_exactBytes() {
        #expect(text(WAMPCodec.event(topic: "WhatsApp", payload: ["a": 1])) == "[8,\"WhatsApp\",{\"a\":1}]")
    }

    @Test func event_escapesTopic() {
        #expect(text(WAMPCodec.event(topic: "a\"b", payload: .null)) == "[8,\"a\\\"b\",null]")
    }

    @Test(arguments: [
        ("WhatsApp", "{\"a\":1}"),
        ("whatsapp.message.393202696323@c.us", "{\"topicId\":\"WhatsApp\",\"body\":\"héllo 😀 שלום\",\"n\":1.0}"),
        ("quote\"and\\slash\n", "[]"),
        ("", "\"\""),
    ])
    func writeEvent_writesExactlyEventSize_andEqualsEvent(_ topic: String, _ payloadText: String) throws {
        let payload = Array(payloadText.utf8)
        let size = WAMPCodec.eventSize(topic: topic, payloadCount: payload.count)
        // Guard bytes after the event prove nothing is written past `size`.
        var buffer = [UInt8](repeating: 0xAA, count: size + 8)
        let written = buffer.withUnsafeMutableBytes { out in
            payload.withUnsafeBytes { raw in WAMPCodec.writeEvent(topic: topic, rawPayloadJSON: raw, into: out.baseAddress!) }
        }
        #expect(written == size)
        #expect(buffer[size...].allSatisfy { $0 == 0xAA })
        let viaValue = WAMPCodec.event(topic: topic, payload: try JSONParser.parse(payloadText))
        #expect(Array(buffer[..<size]) == viaValue)
        let viaRaw = payload.withUnsafeBytes { raw in WAMPCodec.event(topic: topic, rawPayloadJSON: raw) }
        #expect(viaRaw == viaValue)
    }

    @Test func clientEncoders_exactBytes() {
        #expect(text(WAMPCodec.subscribe("WhatsApp")) == "[5,\"WhatsApp\"]")
        #expect(text(WAMPCodec.unsubscribe("WhatsApp")) == "[6,\"WhatsApp\"]")
        #expect(text(WAMPCodec.prefix("wa", uri: "http://example.com/")) == "[1,\"wa\",\"http://example.com/\"]")
        #expect(text(WAMPCodec.call(callId: "c1", procURI: "p", arguments: [1, .null])) == "[2,\"c1\",\"p\",1,null]")
        #expect(text(WAMPCodec.call(callId: "c1", procURI: "p")) == "[2,\"c1\",\"p\"]")
    }

    @Test func publishEncoder_writesEachForm() {
        #expect(text(WAMPCodec.publish("", event: "")) == "[7,\"\",\"\"]")
        #expect(text(WAMPCodec.publish("t", event: 1, options: .excludeMe(true))) == "[7,\"t\",1,true]")
        #expect(text(WAMPCodec.publish("t", event: 1, options: .lists(exclude: ["s1"], eligible: nil)))
                == "[7,\"t\",1,[\"s1\"]]")
        #expect(text(WAMPCodec.publish("t", event: 1, options: .lists(exclude: [], eligible: ["s2"])))
                == "[7,\"t\",1,[],[\"s2\"]]")
    }
}
