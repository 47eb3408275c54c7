import Glibc
import Synchronization
import Testing
@testable import PushTransport
import TestSupport

/// The TCP options of an accepted socket come from the listening socket (Socket.listen), so an
/// accept costs no `setsockopt`; this checks Linux really hands them down.
@Suite struct AcceptedSocketOptionsTests {
    final class OptionReader: ConnectionHandler {
        let seen: Mutex2<(noDelay: Int32, unsentLimit: Int32)?>
        init(_ connection: Connection, _ seen: Mutex2<(noDelay: Int32, unsentLimit: Int32)?>) {
            self.seen = seen
            seen.set((Self.option(connection.fd, TCP_NODELAY), Self.option(connection.fd, TCP_NOTSENT_LOWAT)))
        }
        static func option(_ fd: Int32, _ name: Int32) -> Int32 {
            var value: Int32 = -1
            var length = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(fd, Int32(IPPROTO_TCP), name, &value, &length) == 0 ? value : -1
        }
        func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {}
        func connectionTick(_ connection: Connection, now: UInt64) {}
        func connectionDidClose(_ connection: Connection) {}
    }

    @Test func acceptedSocket_hasNoDelay_andThePolicysUnsentLimit() throws {
        let group = LoopGroup(loopCount: 1)
        let seen = Mutex2<(noDelay: Int32, unsentLimit: Int32)?>(nil)
        let listener = try startListener(group, policy: ConnectionPolicy(socketUnsentLimit: 24 * 1024)) { OptionReader($0, seen) }
        defer { listener.stop() }
        let client = try BlockingClient(listener.boundAddress)
        #expect(eventually(5) { seen.get() != nil })
        let options = try #require(seen.get())
        #expect(options.noDelay == 1)
        #expect(options.unsentLimit == 24_576)
        _ = client
    }
}
