import Glibc
import Testing
@testable import PushTransport
import TestSupport

/// The listener out of descriptors (EMFILE), with `accept` scripted: one attempt however many
/// events arrive, one waiting connection refused through the spare descriptor, one retry at
/// the loop's next tick.
@Suite struct ListenerExhaustionTests {
    /// Hands out scripted `accept` results in order, then `.wouldBlock`; counts the calls.
    final class ScriptedAccept: @unchecked Sendable { // guarded by `lock`
        private let lock = NSLockish()
        private var script: [Socket.AcceptResult]
        private var made = 0
        init(_ script: [Socket.AcceptResult]) { self.script = script }
        func next() -> Socket.AcceptResult {
            lock.withLock {
                made += 1
                return script.isEmpty ? .wouldBlock : script.removeFirst()
            }
        }
        var calls: Int { lock.withLock { made } }
    }

    @Test func outOfDescriptors_refusesOneThroughTheSpare_andRetriesOnceAtTheNextTick() throws {
        var pair: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[1]) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(pair[1], SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))

        let group = LoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let events = Mutex2<[String]>([])
        let listener = try Listener(.init(address: try SocketAddress.parse("127.0.0.1:0")), group: group,
                                    onEvent: { event in
                                        if case .acceptExhausted(_, let refused) = event { events.set(events.get() + ["exhausted refused=\(refused)"]) }
                                    },
                                    makeHandler: { _ in RawEchoHandler() })
        defer { listener.stop() }
        // First accept: EMFILE; the second (with the spare given back) takes the waiting peer.
        let script = ScriptedAccept([.exhausted(SocketError("accept4", errno: EMFILE)), .accepted(pair[0], nil)])
        listener.acceptOne = { _ in script.next() }
        listener.start()

        // Fifty listener events in one loop turn cost one attempt, not fifty retry chains.
        group.loops[0].sync { for _ in 0..<50 { listener.loopReadable(hangUp: false) } }
        #expect(script.calls == 2)
        #expect(events.get() == ["exhausted refused=true"])
        // The refused peer hears a close at once instead of waiting in the backlog.
        var byte: UInt8 = 0
        #expect(read(pair[1], &byte, 1) == 0)

        // The one retry runs at the next tick (the script now says the backlog is empty).
        #expect(eventually { script.calls == 3 })
        #expect(events.get().count == 1)
    }

    @Test func failedAccept_isRetriedOnce_notOncePerEvent() throws {
        let group = LoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let failures = Mutex2(0)
        let listener = try Listener(.init(address: try SocketAddress.parse("127.0.0.1:0")), group: group,
                                    onEvent: { event in if case .acceptFailed = event { failures.set(failures.get() + 1) } },
                                    makeHandler: { _ in RawEchoHandler() })
        defer { listener.stop() }
        let script = ScriptedAccept([.failed(SocketError("accept4", errno: EPROTO))])
        listener.acceptOne = { _ in script.next() }
        listener.start()
        group.loops[0].sync { for _ in 0..<50 { listener.loopReadable(hangUp: false) } }
        #expect(script.calls == 1)
        #expect(failures.get() == 1)
        #expect(eventually { script.calls == 2 }, "the retry at the next tick")
    }
}
