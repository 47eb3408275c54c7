import LoadGeneratorCore
import Testing

struct EventFieldScannerTests {
    @Test func scanner_findsSeqAndTs_inPublishedEvent() {
        let event = Array(#"[8,"newNotification",{"topicId":"newNotification","seq":1234,"ts":987654321012,"pad":"xxxx"}]"#.utf8)
        #expect(EventFieldScanner.scan(event) == .init(seq: 1234, ts: 987_654_321_012))
    }

    @Test func scanner_findsFields_inAnyKeyOrder() {
        let event = Array(#"[8,"t",{"pad":"xx","ts":5,"topicId":"t","seq":0}]"#.utf8)
        #expect(EventFieldScanner.scan(event) == .init(seq: 0, ts: 5))
    }

    @Test func scanner_marksProbe_withoutSeq() {
        let event = Array(#"[8,"t",{"topicId":"t","probe":1}]"#.utf8)
        #expect(EventFieldScanner.scan(event) == .init(isProbe: true))
    }

    @Test func scanner_ignoresKeyLookalike_insideString() {
        let event = Array(#"[8,"t",{"note":"a\"seq\":7","seq":3,"ts":4}]"#.utf8)
        #expect(EventFieldScanner.scan(event) == .init(seq: 3, ts: 4))
    }

    @Test func scanner_returnsNothing_forOtherMessages() {
        #expect(EventFieldScanner.scan(Array(#"[0,"sid",1,"wamp-push/1"]"#.utf8)) == .init())
        #expect(EventFieldScanner.scan(Array(#"{"seq":"#.utf8)) == .init())
        #expect(EventFieldScanner.scan(Array(#"{"seq":-1,"ts":x}"#.utf8)) == .init())
    }

    @Test func scanner_rejectsOverflowingNumber() {
        let event = Array(#"{"seq":99999999999999999999,"ts":1}"#.utf8)
        #expect(EventFieldScanner.scan(event) == .init(seq: nil, ts: 1))
    }

    @Test func scanner_readsFields_ofPaddedKiBPayload() {
        let body = PublishRequest.eventBody(topic: "newNotification", payloadBytes: 1024, seq: 42, ts: 77)
        #expect(body.count == 1024)
        #expect(EventFieldScanner.scan(Array("[8,\"newNotification\",".utf8) + body + [93]) == .init(seq: 42, ts: 77))
    }
}
