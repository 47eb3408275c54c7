import Glibc
import PushCodec
import Synchronization
import Testing
@testable import PushTransport
import TestSupport

/// Enters `phase` on the first byte read and acknowledges with one byte.
final class PhaseHandler: ConnectionHandler {
    let phase: ConnectionPhase
    init(_ phase: ConnectionPhase) { self.phase = phase }
    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        connection.enter(phase)
        connection.send(SharedBytes([1]))
    }
    func connectionDidClose(_ connection: Connection) {}
}

/// On the first byte, queues `total` bytes as replies and closes after the flush.
final class DrainHandler: ConnectionHandler {
    let total: Int
    init(total: Int) { self.total = total }
    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        guard connection.state == .open else { return }
        let block = SharedBytes(count: 65536) { out in for i in 0..<out.count { out[i] = UInt8(truncatingIfNeeded: i) } }
        for _ in 0..<(total / block.count) { connection.sendReply(block) }
        connection.closeAfterFlush()
    }
    func connectionDidClose(_ connection: Connection) {}
}

/// Answers every byte read with four, and records how far output ever queued up.
final class AmplifyHandler: ConnectionHandler, @unchecked Sendable { // counters are atomics
    let bytesRead = Atomic<Int>(0)
    let maxQueued = Atomic<Int>(0)
    let drained = Atomic<Int>(0)
    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        bytesRead.add(bytes.count, ordering: .relaxed)
        connection.sendReply(SharedBytes(count: bytes.count * 4) { out in out.initializeMemory(as: UInt8.self, repeating: 9) })
        if connection.queuedBytes > maxQueued.load(ordering: .relaxed) { maxQueued.store(connection.queuedBytes, ordering: .relaxed) }
    }
    func connectionOutputDrained(_ connection: Connection) { drained.add(1, ordering: .relaxed) }
    func connectionDidClose(_ connection: Connection) {}
}

/// Every connection phase ends by its deadline, measured on a fake clock the test moves; after
/// each move the test ticks the loops itself (`LoopGroup.tickNow`), so "not before" is decided
/// without waiting for the loops' own 250 ms ticker. Only the drain-progress test waits in real
/// time: there the kernel must first see the peer's reads (and the drain test, its request).
@Suite(.serialized) struct ConnectionDeadlineTests {
    static let tickWait: useconds_t = 700_000 // a bit more than two loop ticks

    private func withListener(_ make: @escaping @Sendable (Connection) -> ConnectionHandler,
                              _ body: (FakeClock, LoopGroup, Listener) throws -> Void) throws {
        let clock = FakeClock()
        let group = LoopGroup(loopCount: 1, clock: clock.source)
        let listener = try startListener(group, make)
        defer { listener.stop(); group.shutdown() }
        try body(clock, group, listener)
    }

    @Test(arguments: [ConnectionPhase.busy, .idle, .established, .closing])
    func handlerPhase_closesAtItsDeadline_notBefore(phase: ConnectionPhase) throws {
        try withListener({ _ in PhaseHandler(phase) }) { clock, group, listener in
            let client = try BlockingClient(listener.boundAddress)
            try client.write([1])
            #expect(try client.read(exactly: 1) == [1])
            let timeout = Double(ConnectionPolicy().timeout(phase)) / 1e9
            clock.advance(seconds: timeout - 0.5)
            group.tickNow()
            #expect(group.connectionCount == 1, "closed before its \(phase) deadline")
            clock.advance(seconds: 1)
            group.tickNow()
            #expect(client.waitForClose())
            #expect(eventually { group.connectionCount == 0 })
        }
    }

    @Test func handshake_peerThatSendsNothing_isClosedAtTheHandshakeDeadline() throws {
        try withListener({ _ in PhaseHandler(.idle) }) { clock, group, listener in
            let client = try BlockingClient(listener.boundAddress)
            #expect(eventually { group.connectionCount == 1 })
            clock.advance(seconds: 9.5)
            group.tickNow()
            #expect(group.connectionCount == 1)
            clock.advance(seconds: 1)
            group.tickNow()
            #expect(client.waitForClose())
        }
    }

    @Test func draining_peerThatReadsNothing_isClosedAtTheDrainDeadline() throws {
        try withListener({ _ in DrainHandler(total: 8 << 20) }) { clock, group, listener in
            let client = try BlockingClient(listener.boundAddress, receiveBuffer: 4096)
            try client.write([1])
            usleep(Self.tickWait) // for the byte to be read and the drain to start (I/O, not the ticker)
            group.tickNow()
            #expect(group.connectionCount == 1, "the drain must wait for its deadline")
            clock.advance(seconds: 5.5)
            group.tickNow()
            #expect(eventually { group.connectionCount == 0 })
        }
    }

    @Test func draining_peerThatKeepsReading_isNotCut_andGetsEveryByte() throws {
        // More than the kernel's send buffer can take (4 MiB at most here), so the connection
        // is still draining its own queue while the peer reads.
        let total = 12 << 20
        try withListener({ _ in DrainHandler(total: total) }) { clock, group, listener in
            let client = try BlockingClient(listener.boundAddress, timeoutSeconds: 10, receiveBuffer: 65536)
            try client.write([1])
            var received = 0
            // Each step: 4 s of the 5 s drain deadline pass, then the peer takes some bytes.
            for _ in 0..<3 {
                clock.advance(seconds: 4)
                received += try client.read(exactly: 256 * 1024).count
                usleep(Self.tickWait)
                #expect(group.connectionCount == 1, "a draining peer that makes progress was cut")
            }
            client.setReceiveBuffer(4 << 20)
            received += client.readToEnd().count
            #expect(received == total)
        }
    }

    @Test func lingering_peerThatNeverSendsFIN_isClosedAtTheLingerDeadline() throws {
        try withListener({ _ in DrainHandler(total: 0) }) { clock, group, listener in
            let client = try BlockingClient(listener.boundAddress)
            try client.write([1])
            #expect(client.readToEnd().isEmpty) // our write side shut: EOF, but we keep ours open
            group.tickNow()
            #expect(group.connectionCount == 1)
            clock.advance(seconds: 2.5)
            group.tickNow()
            #expect(eventually { group.connectionCount == 0 })
        }
    }

    @Test func output_pastTheHighWatermark_pausesReading_andResumesWhenDrained() throws {
        let handler = AmplifyHandler()
        try withListener({ _ in handler }) { _, _, listener in
            // Default buffers: the kernel absorbs a few MiB each way, then the server must stop.
            let client = try BlockingClient(listener.boundAddress, timeoutSeconds: 10)
            let written = client.writeUntilStalled([UInt8](repeating: 1, count: 65536), maxTotal: 64 << 20, stallSeconds: 0.3)
            // Without the pause the server reads all it is sent and queues four times as much.
            #expect(written < 32 << 20, "the server kept reading a peer that does not read")
            #expect(handler.maxQueued.load(ordering: .relaxed) <= 1 << 20)
            // The peer starts reading: every byte it sent is answered, nothing lost.
            var received = 0
            var buffer = [UInt8](repeating: 0, count: 65536)
            while received < written * 4 {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(client.fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                received += n
            }
            #expect(received == written * 4)
            #expect(handler.bytesRead.load(ordering: .relaxed) == written)
            #expect(handler.drained.load(ordering: .relaxed) >= 1)
        }
    }
}

@Suite struct EventLoopShutdownTests {
    @Test func execute_afterShutdown_isRefused_andRunsNothing() {
        let group = LoopGroup(loopCount: 1)
        group.shutdown()
        let ran = Atomic<Bool>(false)
        #expect(group.loops[0].execute { ran.store(true, ordering: .relaxed) } == false)
        usleep(50_000)
        #expect(ran.load(ordering: .relaxed) == false)
    }
}

@Suite struct AddressQuotaTests {
    @Test func sourceKey_groupsIPv6By64_andMappedIPv4ByAddress() throws {
        #expect(try SocketAddress(host: "192.0.2.7", port: 1).sourceKey == "192.0.2.7")
        #expect(try SocketAddress(host: "2001:db8:1:2:aa::1", port: 1).sourceKey == "2001:db8:1:2::/64")
        #expect(try SocketAddress(host: "2001:db8:1:2:bb::9", port: 2).sourceKey == "2001:db8:1:2::/64")
        #expect(try SocketAddress(host: "2001:db8:1:3::1", port: 1).sourceKey == "2001:db8:1:3::/64")
        #expect(try SocketAddress(host: "::ffff:192.0.2.7", port: 1).sourceKey == "192.0.2.7")
    }

    @Test func reserve_refusesPastTheLimit_releaseFreesTheSlot_andTheTableEmpties() throws {
        let quota = AddressQuota(limit: 2, exemptLoopback: false)
        let a = try SocketAddress(host: "192.0.2.1", port: 1000)
        let b = try SocketAddress(host: "192.0.2.2", port: 1000)
        let first = try #require(quota.reserve(a))
        let second = try #require(quota.reserve(a))
        #expect(quota.reserve(a) == nil)
        #expect(quota.reserve(b) != nil) // another address has its own budget
        quota.release(first)
        #expect(quota.reserve(a) != nil)
        quota.release(second)
        #expect(quota.count(for: a) == 1)
    }

    @Test func loopback_isExemptByDefault_andUnlimitedMeansUntracked() throws {
        let local = try SocketAddress(host: "127.0.0.1", port: 1)
        let quota = AddressQuota(limit: 1)
        #expect(quota.reserve(local) == .untracked)
        #expect(quota.reserve(local) == .untracked)
        #expect(AddressQuota(limit: 0, exemptLoopback: false).reserve(local) == .untracked)
        #expect(quota.trackedAddresses == 0)
    }

    @Test func listener_closesTheConnectionPastThePerAddressLimit() throws {
        let group = LoopGroup(loopCount: 1, addressQuota: AddressQuota(limit: 2, exemptLoopback: false))
        let refusals = Atomic<Int>(0)
        let listener = try Listener(.init(address: try SocketAddress.parse("127.0.0.1:0")), group: group,
                                    onEvent: { if case .addressLimitReached = $0 { refusals.add(1, ordering: .relaxed) } },
                                    makeHandler: { _ in RawEchoHandler() })
        listener.start()
        defer { listener.stop(); group.shutdown() }
        let kept = try (0..<2).map { _ in try BlockingClient(listener.boundAddress) }
        for c in kept { try c.write([1]); _ = try c.read(exactly: 1) }
        let extra = try BlockingClient(listener.boundAddress)
        #expect(extra.waitForClose())
        #expect(eventually { refusals.load(ordering: .relaxed) == 1 })
        kept[0].close()
        #expect(eventually { group.connectionCount == 1 })
        let again = try BlockingClient(listener.boundAddress)
        try again.write([2])
        #expect(try again.read(exactly: 1) == [2])
    }
}
