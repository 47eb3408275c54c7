import Testing
@testable import PushTransport

/// A fan-out grows a loop's flush lists to one slot per subscriber; once the loop has gone a
/// whole tick without a fan-out flush, that capacity is given back (Docs/benchmarks.md, "Idle
/// memory per connection"). The ticks are driven by the test (`tickNow`), not waited for.
@Suite struct FlushCapacityTests {
    @Test func flushLists_giveBackBurstCapacity_afterATickWithoutFlushing() {
        let group = LoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let traits = ConnectionTraits(listener: ListenerInfo(name: "test", isTLS: false), policy: ConnectionPolicy(), onEvent: nil)
        // Never started, so never watched or written: a flush of an empty queue does nothing.
        let connections = (0..<3000).map { i in
            Connection(fd: -1, id: UInt64(i), loop: loop, group: group, peer: nil, tls: nil, traits: traits)
        }
        // Marked in one task, so all of them are flushed at the end of that loop turn.
        let grown = loop.sync {
            for connection in connections { loop.markDirty(connection) }
            return loop.flushListCapacity
        }
        #expect(grown >= connections.count)
        // The first tick only notes the flush; the second finds none since and gives it back.
        group.tickNow()
        group.tickNow()
        #expect(loop.sync { loop.flushListCapacity } <= 3 * 1024)
        #expect(loop.sync { connections.allSatisfy { !$0.isDirty } })
    }
}
