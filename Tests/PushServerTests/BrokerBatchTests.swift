import Foundation
@testable import PushBroker
import PushClient
import PushCodec
@testable import PushServer
import Testing

/// Publications drained in one loop turn: runs of uniform ones share one block of frames per
/// spelling (`LoopBroker.deliverRun`); everything else keeps its own frame. Either way each
/// subscriber sees every event once, as its own frame, in publish order.
@Suite struct BrokerBatchTests {
    private static let ignore: @Sendable (Int) -> Void = { _ in }

    private static func item(_ uri: String, userId: String? = nil, n: Int = 0) -> (Publication, @Sendable (Int) -> Void) {
        (Publication(uris: [uri], payload: .object(["n": .number(Double(n))]), userId: userId), ignore)
    }

    @Test func runs_joinOnlyUniformPublicationsToTheSameTopic() {
        let batch = [
            Self.item("a"), Self.item("a"), Self.item("a"), // 0..<3: one run
            Self.item("a", userId: "bob"),                  // 3: filtered, alone
            Self.item("a"), Self.item("b"), Self.item("b"), // 4: alone (next is another topic); 5..<7: run
            (Publication(uris: ["c", "c.1"], payload: .object([:])), Self.ignore), // 7: two targets, alone
        ]
        var ends: [Int] = []
        var i = 0
        while i < batch.count { i = LoopBroker.runEnd(batch, from: i); ends.append(i) }
        #expect(ends == [3, 4, 5, 7, 8])
    }

    @Test func runs_stopAtTheByteCap() {
        let big = String(repeating: "x", count: 100 * 1024)
        let batch = (0..<5).map { _ in
            (Publication(uris: ["a"], payload: .object(["big": .string(big)])), Self.ignore)
        }
        // Each frame is a little over 100 KiB: two fit under 256 KiB, a third would not.
        #expect(LoopBroker.runEnd(batch, from: 0) == 2)
        #expect(LoopBroker.runEnd(batch, from: 2) == 4)
    }

    @Test func batchPublish_eachSpellingGetsEveryEventAsItsOwnFrame_inOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let plain = try server.wamp(user: "admin", token: token)
        let curie = try server.wamp(user: "admin", token: token)
        try plain.subscribe("recordUpdate.Lead.42")
        try curie.send(WAMPCodec.prefix("rec", uri: "recordUpdate."))
        try curie.subscribe("rec:Lead.42")
        for c in [plain, curie] { try c.roundTrip() }
        let events = (0..<40).map { #"{"topicId":"recordUpdate.Lead.42","n":\#($0)}"# }
        let response = try BrokerIntegrationTests.publish(server, "[" + events.joined(separator: ",") + "]")
        #expect(response.bodyString() == #"{"accepted":40,"delivered":80}"#)
        for (client, spelling) in [(plain, "recordUpdate.Lead.42"), (curie, "rec:Lead.42")] {
            let got = try (0..<40).map { _ in try client.nextEvent() }
            #expect(got.map(\.topic) == Array(repeating: spelling, count: 40))
            #expect(got.map { $0.payload["n"]?.int64Value ?? -1 } == (0..<40).map { Int64($0) })
            #expect(client.staysQuiet(0.05))
        }
    }

    @Test func mixedBatch_keepsPublishOrderAcrossTopicsAndFilters() throws {
        let server = try TestServer()
        defer { server.stop() }
        let alice = try server.wamp(user: "alice", token: try server.createToken(user: "alice"))
        let bob = try server.wamp(user: "bob", token: try server.createToken(user: "bob"))
        try alice.subscribe("newNotification")
        try bob.subscribe("newNotification")
        try bob.subscribe("recordUpdate.Lead.1")
        for c in [alice, bob] { try c.roundTrip() }
        let body = """
        [{"topicId":"newNotification","n":0},{"topicId":"newNotification","n":1},
         {"topicId":"newNotification","userId":"bob","n":2},{"topicId":"newNotification","n":3},
         {"topicId":"recordUpdate.Lead.1","n":4},{"topicId":"newNotification","n":5},
         {"topicId":"newNotification","n":6}]
        """
        let response = try BrokerIntegrationTests.publish(server, body)
        #expect(response.bodyString() == #"{"accepted":7,"delivered":12}"#)
        let bobGot = try (0..<7).map { _ in try bob.nextEvent().payload["n"]?.int64Value ?? -1 }
        #expect(bobGot == [0, 1, 2, 3, 4, 5, 6])
        let aliceGot = try (0..<5).map { _ in try alice.nextEvent().payload["n"]?.int64Value ?? -1 }
        #expect(aliceGot == [0, 1, 3, 5, 6])
        #expect(alice.staysQuiet(0.1))
    }
}
