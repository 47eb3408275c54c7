import Foundation
import PushCluster
import PushCodec
import PushTransport
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// Connect and reply deadlines, refusals, garbage and a full queue: peers that misbehave on
/// purpose (a closed port, a listener whose backlog is full, a scripted fake server).
@Suite struct RedisFaultTests {
    @Test func closedPort_isReportedAsRefused_andCommandsFailAtOnce() throws {
        let port = closedLoopbackPort()
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (connection, states) = startConnection(loop, try testConfiguration("redis://127.0.0.1:\(port)"))
        defer { loop.loop.sync { connection.stop() } }
        #expect(eventually { states.last?.isDown == true })
        #expect(states.last?.reason.contains("Connection refused") == true, "\(states.all)")
        #expect(call(loop) { connection.ping(completion: $0) }?.failure == .notConnected(states.last!.reason))
    }

    /// With its accept queue full, a listener's kernel drops further SYNs: the connect neither
    /// succeeds nor fails, and only the connect deadline ends it.
    @Test func unansweredConnect_endsAtTheConnectDeadline() throws {
        let listener = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0), backlog: 0)
        let address = try #require(Socket.localAddress(listener))
        var fillers: [Int32] = []
        defer { (fillers + [listener]).forEach { Socket.close($0) } }
        for _ in 0..<2 { fillers.append(try Socket.connect(to: address, nonBlocking: true)) }

        let loop = TestLoop()
        defer { loop.shutdown() }
        let (connection, states) = startConnection(loop, try testConfiguration("redis://127.0.0.1:\(address.port)"))
        defer { loop.loop.sync { connection.stop() } }
        #expect(eventually { states.last?.isDown == true })
        #expect(states.last == .down("connect to 127.0.0.1:\(address.port) timed out after 2 s"), "\(states.all)")
        #expect(loop.group.connectionCount <= 1) // the next attempt may be under way; none leaked
    }

    @Test func silentServer_endsAtTheReplyDeadline_andIsReconnected() throws {
        let fake = try FakeRedis(answer: greetingOnly)
        defer { fake.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (connection, states) = startConnection(loop, try testConfiguration("redis://127.0.0.1:\(fake.port)", replyTimeout: 0.5))
        defer { loop.loop.sync { connection.stop() } }
        #expect(eventually { states.last == .up })
        #expect(call(loop) { connection.get("k", completion: $0) }?.failure == .connectionLost("no reply from Redis within 0.5 s"))
        #expect(states.all.contains(.down("no reply from Redis within 0.5 s")), "\(states.all)")
        // It greets again by itself: the fake answers the greeting, so it is up once more.
        #expect(eventually { states.all.filter { $0 == .up }.count == 2 && states.last == .up })
        #expect(connection.loop.sync { connection.connects } == 2)
    }

    @Test func idleConnection_isKeptAliveWithPing() throws {
        let fake = try FakeRedis(answer: greetingOnly)
        defer { fake.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (connection, states) = startConnection(loop, try testConfiguration("redis://127.0.0.1:\(fake.port)"))
        defer { loop.loop.sync { connection.stop() } }
        #expect(eventually { states.last == .up })
        // The greeting's PING, then keep-alive PINGs (1 s apart in the test configuration), answered.
        #expect(eventually { fake.received.all.filter { $0 == ["PING"] }.count >= 3 })
        #expect(states.last == .up)
        #expect(states.all.count == 2)
    }

    @Test func fullQueue_failsAtOnce_andCountsTheDrop() throws {
        let fake = try FakeRedis(answer: greetingOnly)
        defer { fake.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (connection, states) = startConnection(loop, try testConfiguration("redis://127.0.0.1:\(fake.port)", maxPendingCommands: 3))
        defer { loop.loop.sync { connection.stop() } }
        #expect(eventually { states.last == .up })
        let refused = Outcome<Int>()
        let accepted: [Bool] = loop.loop.sync {
            (0..<4).map { i in connection.publish("bus", [UInt8(i)]) { if i == 3 { refused.set($0) } } }
        }
        #expect(accepted == [true, true, true, false])
        #expect(refused.result?.failure == .queueFull)
        #expect(connection.loop.sync { (connection.droppedCommands, connection.pendingCommands) } == (1, 3))
    }

    @Test func garbage_endsTheConnectionWithTheReason() throws {
        let fake = try FakeRedis { _ in Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8) }
        defer { fake.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (connection, states) = startConnection(loop, try testConfiguration("redis://127.0.0.1:\(fake.port)"))
        defer { loop.loop.sync { connection.stop() } }
        #expect(eventually { states.last?.isDown == true })
        #expect(states.last == .down("Redis sent bytes that are not RESP2: malformed RESP: unknown type byte 0x48 at the start of a value"))
    }

    @Test func unknownHost_isReportedFromTheLookup() throws {
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (connection, states) = startConnection(loop, try testConfiguration("redis://no-such-host.invalid:6379"))
        defer { loop.loop.sync { connection.stop() } }
        #expect(eventually { states.last?.isDown == true })
        #expect(states.last?.reason.hasPrefix("resolve no-such-host.invalid") == true, "\(states.all)")
    }
}
