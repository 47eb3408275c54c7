import Testing
@testable import PushTransport

/// A loop's watcher table: a token names one registration, never a later one at the same index.
@Suite struct WatcherTableTests {
    @Test func staleToken_namesNothing_evenAfterItsIndexIsReused() {
        let group = LoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let traits = ConnectionTraits(listener: ListenerInfo(name: "test", isTLS: false), policy: ConnectionPolicy(), onEvent: nil)
        let first = Connection(fd: -1, id: 1, loop: group.loops[0], group: group, peer: nil, tls: nil, traits: traits)
        let second = Connection(fd: -1, id: 2, loop: group.loops[0], group: group, peer: nil, tls: nil, traits: traits)
        var table = WatcherTable()
        let (index, token) = table.add(.connection(first))
        guard case .connection(let found)? = table.watcher(for: token) else {
            Issue.record("a fresh token names its watcher")
            return
        }
        #expect(found === first)
        table.remove(index)
        #expect(table.watcher(for: token) == nil)
        let (reused, newToken) = table.add(.connection(second))
        #expect(reused == index && newToken != token)
        #expect(table.watcher(for: token) == nil, "the old token must not reach the new watcher")
        guard case .connection(let now)? = table.watcher(for: newToken) else {
            Issue.record("the new token names the new watcher")
            return
        }
        #expect(now === second)
        #expect(MemoryLayout<(EventLoop.Watched?, UInt32)>.stride == 16)
    }
}
