import PushCodec
import Testing
@testable import PushCluster

@Suite struct ClusterEnvelopeTests {
    @Test func envelope_isTheDocumentedJSON_andReadsBack() throws {
        var envelope = ClusterEnvelope(origin: "node-a", boot: "b00t", seq: 42, topic: "recordUpdate.Lead.17",
                                       payloadJSON: Array(#"{"n":1,"s":"é\""}"#.utf8))
        #expect(String(decoding: envelope.encoded(), as: UTF8.self)
            == #"{"v":1,"origin":"node-a","boot":"b00t","seq":42,"topic":"recordUpdate.Lead.17","payload":{"n":1,"s":"é\""}}"#)
        envelope.userId = "u1"
        envelope.exclude = ["s1", "s2"]
        envelope.eligible = []
        let decoded = try ClusterEnvelope.decode(envelope.encoded()).get()
        #expect(decoded.0 == envelope)
        #expect(decoded.payload == .object(["n": .number(JSONNumber(1)), "s": .string("é\"")]))
    }

    @Test func unknownMembers_areIgnored() throws {
        let text = #"{"v":1,"origin":"b","boot":"x","seq":1,"topic":"t","payload":[1],"future":{"a":1},"eligible":null}"#
        let decoded = try ClusterEnvelope.decode(Array(text.utf8)).get()
        #expect(decoded.0.eligible == nil && decoded.0.exclude.isEmpty && decoded.payload == .array([.number(JSONNumber(1))]))
    }

    @Test(arguments: [
        ("[1]", "not a JSON object"),
        ("{", "not a JSON object"),
        (#"{"origin":"a"}"#, "no version \"v\""),
        (#"{"v":2,"origin":"a","boot":"x","seq":1,"topic":"t","payload":1}"#, "version 2 (this node reads 1)"),
        (#"{"v":1,"origin":"","boot":"x","seq":1,"topic":"t","payload":1}"#, "origin, boot, seq, topic or payload missing or of the wrong type"),
        (#"{"v":1,"origin":"a","boot":"x","seq":0,"topic":"t","payload":1}"#, "origin, boot, seq, topic or payload missing or of the wrong type"),
        (#"{"v":1,"origin":"a","boot":"x","seq":1,"topic":"t"}"#, "origin, boot, seq, topic or payload missing or of the wrong type"),
        (#"{"v":1,"origin":"a","boot":"x","seq":1,"topic":"t","payload":1,"userId":5}"#, "userId is not a string"),
        (#"{"v":1,"origin":"a","boot":"x","seq":1,"topic":"t","payload":1,"exclude":[1]}"#, "exclude is not an array of strings"),
        (#"{"v":1,"origin":"a","boot":"x","seq":1,"topic":"t","payload":1,"eligible":"s"}"#, "eligible is not an array of strings"),
    ])
    func badEnvelope_isRefusedWithOneLine(text: String, reason: String) {
        #expect(ClusterEnvelope.decode(Array(text.utf8)).map { $0.0 } == .failure(EnvelopeError(reason)))
    }

    @Test func sequences_countGaps_dropRepeats_andResetOnRestart() {
        var peers = PeerSequences(capacity: 2)
        #expect(peers.admit(origin: "a", boot: "1", seq: 5) == .deliver(missed: 0)) // first heard: nothing counted
        #expect(peers.admit(origin: "a", boot: "1", seq: 6) == .deliver(missed: 0))
        #expect(peers.admit(origin: "a", boot: "1", seq: 9) == .deliver(missed: 2))
        #expect(peers.admit(origin: "a", boot: "1", seq: 9) == .duplicate)
        #expect(peers.admit(origin: "a", boot: "1", seq: 7) == .duplicate)
        #expect(peers.admit(origin: "a", boot: "2", seq: 1) == .deliver(missed: 0)) // restarted
        #expect(peers.admit(origin: "b", boot: "1", seq: 1) == .deliver(missed: 0))
        // A third origin: the one heard from longest ago ("a") is forgotten.
        #expect(peers.admit(origin: "c", boot: "1", seq: 1) == .deliver(missed: 0))
        #expect(peers.count == 2)
        #expect(peers.admit(origin: "b", boot: "1", seq: 3) == .deliver(missed: 1))
    }

    @Test func sharedTokenRecord_readsTheHash_andATombstoneIsRevoked() {
        let full = ClusterNode.record("h", ["user": Array("u1".utf8), "active": Array("1".utf8), "created": Array("100".utf8),
                                            "expires": Array("200".utf8)])
        #expect(full?.userId == "u1" && full?.isActive == true && full?.createdAt == 100 && full?.expiresAt == 200)
        #expect(ClusterNode.record("h", [:]) == nil)
        let tombstone = ClusterNode.record("h", ["active": Array("0".utf8)])
        #expect(tombstone?.isActive == false && tombstone?.userId == "")
        #expect(ClusterNode.record("h", ["user": Array("u1".utf8), "active": Array("0".utf8)])?.isActive == false)
    }
}
