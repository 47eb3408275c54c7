import Dispatch
import Glibc
import PushCodec
import Synchronization
import Testing
@testable import PushTransport
import TestSupport

/// Echoes every byte back through the shared-frame write path.
final class RawEchoHandler: ConnectionHandler {
    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        connection.send(SharedBytes(UnsafeRawBufferPointer(bytes)))
    }
    func connectionTick(_ connection: Connection, now: UInt64) {}
    func connectionDidClose(_ connection: Connection) {}
}

/// Sends `total` bytes of a counting pattern as soon as the connection opens.
final class BulkSender: ConnectionHandler {
    let total: Int
    init(total: Int) { self.total = total }
    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        // One shared 64 KiB block queued many times: exercises writev, partial writes and EAGAIN.
        let block = SharedBytes(count: 65536) { out in for i in 0..<out.count { out[i] = UInt8(truncatingIfNeeded: i) } }
        for _ in 0..<(total / block.count) { connection.sendReply(block) }
        connection.closeAfterFlush()
    }
    func connectionTick(_ connection: Connection, now: UInt64) {}
    func connectionDidClose(_ connection: Connection) {}
}

func startListener(_ group: LoopGroup, policy: ConnectionPolicy = ConnectionPolicy(),
                   _ make: @escaping @Sendable (Connection) -> ConnectionHandler) throws -> Listener {
    let listener = try Listener(.init(address: try SocketAddress.parse("127.0.0.1:0"), policy: policy),
                                group: group, makeHandler: make)
    listener.start()
    return listener
}

@Suite(.serialized) struct TransportTests {
    @Test func echo_roundTripsBytes_overLoopback() throws {
        let group = LoopGroup(loopCount: 2)
        let listener = try startListener(group) { _ in RawEchoHandler() }
        defer { listener.stop() }
        let client = try BlockingClient(listener.boundAddress)
        let message = Array("hello transport".utf8)
        try client.write(message)
        #expect(try client.read(exactly: message.count) == message)
    }

    @Test func bulkWrite_deliversEveryByteInOrder_withPartialWrites() throws {
        let group = LoopGroup(loopCount: 1)
        let total = 8 * 65536 * 4 // 32 MiB, far more than the socket buffers hold
        let listener = try startListener(group) { _ in BulkSender(total: total) }
        defer { listener.stop() }
        let client = try BlockingClient(listener.boundAddress, timeoutSeconds: 20)
        try client.write([1])
        let received = client.readToEnd()
        #expect(received.count == total)
        var ok = true
        for i in stride(from: 0, to: received.count, by: 4093) where received[i] != UInt8(truncatingIfNeeded: i % 65536) { ok = false }
        #expect(ok)
    }

    @Test func send_refusesFramesPastTheSendBufferLimit() throws {
        let group = LoopGroup(loopCount: 1)
        let result = Mutex2<[Bool]>([])
        final class Filler: ConnectionHandler {
            let result: Mutex2<[Bool]>
            init(_ r: Mutex2<[Bool]>) { result = r }
            func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
                let frame = SharedBytes([UInt8](repeating: 7, count: 3000))
                // The client never reads: with a 4 KiB limit, the second or a later frame must be refused
                // once the kernel buffers are full; queue enough to overflow them.
                var outcomes: [Bool] = []
                for _ in 0..<2000 { outcomes.append(connection.send(frame)); connection.flush() }
                result.set(outcomes)
            }
            func connectionTick(_ connection: Connection, now: UInt64) {}
            func connectionDidClose(_ connection: Connection) {}
        }
        let listener = try startListener(group, policy: ConnectionPolicy(highWatermark: 4096, lowWatermark: 1024, sendBufferLimit: 4096)) { _ in Filler(result) }
        defer { listener.stop() }
        let client = try BlockingClient(listener.boundAddress)
        try client.write([1])
        #expect(eventually { !result.get().isEmpty })
        let outcomes = result.get()
        #expect(outcomes.first == true)
        #expect(outcomes.contains(false))
    }

    @Test func connectionLimit_closesConnectionsBeyondIt() throws {
        let group = LoopGroup(loopCount: 1, maxConnections: 3)
        let listener = try startListener(group) { _ in RawEchoHandler() }
        defer { listener.stop() }
        let kept = try (0..<3).map { _ in try BlockingClient(listener.boundAddress) }
        for c in kept { try c.write([1]); _ = try c.read(exactly: 1) }
        let extra = try BlockingClient(listener.boundAddress)
        #expect(extra.waitForClose())
        #expect(group.connectionCount == 3)
    }

    @Test func thousandsOfConnections_openAndDrop_returnDescriptorCount() throws {
        FileLimits.raiseOpenFileLimit()
        let group = LoopGroup(loopCount: 2)
        let listener = try startListener(group) { _ in RawEchoHandler() }
        defer { listener.stop() }
        // Other suites run in parallel in this process, so count only descriptors of sockets
        // whose local port is this listener's (the server side of its connections).
        let port = listener.boundAddress.port
        let before = DescriptorProbe.serverSockets(localPort: port)
        #expect(before == 1) // the listening socket itself
        for _ in 0..<3 {
            var clients: [BlockingClient] = []
            for _ in 0..<1500 { clients.append(try BlockingClient(listener.boundAddress)) }
            // Every connection is served (an echo per client), then all drop at once.
            for c in clients { try c.write([42]) }
            for c in clients { #expect(try c.read(exactly: 1) == [42]) }
            #expect(eventually { group.connectionCount == 1500 })
            clients.removeAll()
        }
        #expect(eventually { group.connectionCount == 0 })
        #expect(eventually { DescriptorProbe.serverSockets(localPort: port) == before })
    }
}

/// A tiny lock-protected box for handing results from a loop thread to the test thread.
final class Mutex2<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLockish()
    init(_ v: T) { value = v }
    func get() -> T { lock.withLock { value } }
    func set(_ v: T) { lock.withLock { value = v } }
}

final class NSLockish: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    func withLock<R>(_ body: () -> R) -> R { pthread_mutex_lock(&m); defer { pthread_mutex_unlock(&m) }; return body() }
}

/// Issue 15: freed heap goes back to the system after many connections closed, not before.
@Suite struct MemoryTrimmerTests {
    @Test func trims_onlyAfterALargeDropFromThePeak() {
        let count = Mutex(0), trimmed = Atomic<Int>(0)
        let trimmer = MemoryTrimmer(minimumDrop: 100, intervalSeconds: 3600, connectionCount: { count.withLock { $0 } },
                                    trim: { trimmed.add(1, ordering: .relaxed) })
        count.withLock { $0 = 1_000 }
        #expect(!trimmer.check()) // the peak
        count.withLock { $0 = 600 }
        #expect(!trimmer.check()) // down 400, but not to half
        count.withLock { $0 = 450 }
        #expect(trimmer.check()) // down 550, under half: trim
        #expect(!trimmer.check()) // the peak starts again from 450
        count.withLock { $0 = 150 }
        #expect(trimmer.check()) // down 300 from 450, under half
        count.withLock { $0 = 60 }
        #expect(!trimmer.check()) // down 90 only
        #expect(trimmed.load(ordering: .relaxed) == 2 && trimmer.trimCount == 2)
    }
}
