@testable import PushBroker
import Testing

/// The per-session storage that idle memory depends on (Docs/benchmarks.md, "Idle memory per
/// connection"): inline session ids and the one-inline-then-table subscription set.
@Suite struct SessionMemoryTests {
    @Test func sessionId_isFifteenURLSafeCharacters_andDiffersEachTime() {
        let ids = (0..<200).map { _ in WAMPSession.makeSessionId() }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        for id in ids {
            #expect(id.utf8.count == WAMPSession.sessionIdLength)
            #expect(id.utf8.allSatisfy(allowed.contains), "\(id)")
        }
        #expect(Set(ids).count == ids.count)
        // 200 ids span three refills of the shared pool; every position draws on all 64 characters
        // (3,000 characters: a missing one would mean bits left unused or reused).
        #expect(Set(ids.flatMap(\.utf8)).count == 64)
        for position in 0..<WAMPSession.sessionIdLength {
            #expect(Set(ids.map { Array($0.utf8)[position] }).count > 32, "position \(position) varies too little")
        }
    }

    static func entry(_ uri: String, _ position: Int = 0) -> SubscriptionPosition {
        SubscriptionPosition(topic: Topic(uri: uri), group: 0, position: position)
    }

    @Test func subscriptions_firstInline_restInTable_removeAnyOrder() {
        var subs = SessionSubscriptions()
        #expect(subs.isEmpty && subs["a"] == nil)
        subs.set(Self.entry("a"))
        subs.set(Self.entry("b"))
        subs.set(Self.entry("c"))
        #expect(subs.count == 3)
        #expect(Set(subs.uris) == ["a", "b", "c"])
        subs.move("b", toPosition: 7)
        subs.move("a", toPosition: 5)
        #expect(subs["b"]?.position == 7 && subs["a"]?.position == 5)
        #expect(subs.remove("a")?.position == 5)
        #expect(subs["a"] == nil && subs.count == 2)
        // A URI already in the table is replaced there, not added again inline.
        subs.set(Self.entry("b", 9))
        #expect(subs.count == 2 && subs["b"]?.position == 9)
        subs.set(Self.entry("d"))
        #expect(subs.count == 3 && Set(subs.uris) == ["b", "c", "d"])
        #expect(subs.remove("b") != nil && subs.remove("c") != nil && subs.remove("d") != nil)
        #expect(subs.remove("d") == nil)
        #expect(subs.isEmpty && subs.uris.isEmpty)
    }
}
