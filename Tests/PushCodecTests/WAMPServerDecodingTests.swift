import Testing
@testable import PushCodec

@Suite struct WAMPServerDecodingTests {
    private func decode(_ text: String) throws(WAMPError) -> WAMPServerMessage {
        try WAMPCodec.decodeServerMessage(Array(text.utf8))
    }

    @Test func decoder_decodesEachServerMessage() throws {
        #expect(try decode("[0,\"abc\",1,\"wamp-push/0.1.0\"]")
                == .welcome(sessionId: "abc", version: 1, serverIdent: "wamp-push/0.1.0"))
        #expect(try decode("[3,\"c1\",{\"ok\":true}]") == .callResult(callId: "c1", result: ["ok": true]))
        #expect(try decode("[4,\"c1\",\"http://x#e\",\"no\"]")
                == .callError(callId: "c1", errorURI: "http://x#e", description: "no", details: nil))
        #expect(try decode("[4,\"c1\",\"http://x#e\",\"no\",[1]]")
                == .callError(callId: "c1", errorURI: "http://x#e", description: "no", details: [1]))
        #expect(try decode("[8,\"WhatsApp\",{\"a\":1}]") == .event(topic: "WhatsApp", payload: ["a": 1]))
    }

    @Test func decoder_roundTripsServerEncoders() throws {
        let sid = "s😀"
        #expect(try WAMPCodec.decodeServerMessage(WAMPCodec.welcome(sessionId: sid, serverIdent: "w/1"))
                == .welcome(sessionId: sid, version: 1, serverIdent: "w/1"))
        let payload: JSONValue = ["body": "שלום\n", "n": 1.0]
        #expect(try WAMPCodec.decodeServerMessage(WAMPCodec.event(topic: "t", payload: payload))
                == .event(topic: "t", payload: payload))
    }

    @Test(arguments: [
        ("[0,\"abc\",1]", "WELCOME needs [0, sessionId, version, serverIdent]"),
        ("[0,1,1,\"x\"]", "WELCOME session id must be a string"),
        ("[0,\"abc\",\"1\",\"x\"]", "WELCOME protocol version must be an integer"),
        ("[0,\"abc\",1,2]", "WELCOME server ident must be a string"),
        ("[3,\"c1\"]", "CALLRESULT needs [3, callId, result]"),
        ("[3,1,null]", "CALL id must be a string"),
        ("[4,\"c1\",\"u\"]", "CALLERROR needs [4, callId, errorURI, description, details?]"),
        ("[4,\"c1\",1,\"d\"]", "CALLERROR error URI must be a string"),
        ("[4,\"c1\",\"u\",null]", "CALLERROR description must be a string"),
        ("[8,\"t\"]", "EVENT needs [8, topicURI, event]"),
        ("[8,5,{}]", "topic URI must be a string"),
        ("[5,\"t\"]", "client-to-server message type 5 (SUBSCRIBE) sent by server"),
        ("[7,\"\",\"\"]", "client-to-server message type 7 (PUBLISH) sent by server"),
        ("[10]", "unknown message type 10"),
        ("{}", "message is not a JSON array"),
        ("[0,", "invalid JSON: unexpected end of input at byte 3"),
    ])
    func decoder_rejectsMalformedServerMessage(_ input: String, _ reason: String) {
        #expect(throws: WAMPError(reason)) { try decode(input) }
    }

    @Test func messageType_namesAndDirections() {
        #expect(WAMPMessageType.allCases.map(\.rawValue) == Array(0...8))
        #expect(WAMPMessageType.allCases.filter(\.isServerToClient).map(\.name)
                == ["WELCOME", "CALLRESULT", "CALLERROR", "EVENT"])
    }
}
