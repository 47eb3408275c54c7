import PushCluster
import PushCodec
import PushTransport
import Testing
import TestSupport

/// `RedisConnection` against a real redis-server started by each test.
@Suite(.serialized, .enabled(if: RedisServerProcess.binary != nil, "redis-server is not installed (make test installs it when run as root)"))
struct RedisConnectionTests {
    @Test func commands_roundTrip_withTypedResults() throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (connection, states) = startConnection(loop, try testConfiguration("redis://127.0.0.1:\(redis.port)"))
        defer { loop.loop.sync { connection.stop() } }
        #expect(eventually { states.last == .up })
        #expect(states.all.first == .connecting)

        #expect(call(loop) { connection.set("greeting", Array("hello".utf8), completion: $0) }?.value != nil)
        #expect(call(loop) { connection.get("greeting", completion: $0) }?.value == Array("hello".utf8))
        #expect(call(loop) { connection.get("missing", completion: $0) }?.value == .some(nil))
        #expect(call(loop) { connection.hset("token:1", [("user", Array("alice".utf8)), ("scope", Array("push".utf8))], completion: $0) }?.value == 2)
        #expect(call(loop) { connection.hget("token:1", "user", completion: $0) }?.value == Array("alice".utf8))
        #expect(call(loop) { connection.hgetall("token:1", completion: $0) }?.value == ["user": Array("alice".utf8), "scope": Array("push".utf8)])
        #expect(call(loop) { connection.hdel("token:1", ["scope", "nope"], completion: $0) }?.value == 1)
        #expect(call(loop) { connection.expire("token:1", seconds: 60, completion: $0) }?.value == true)
        #expect(call(loop) { connection.expire("missing", seconds: 60, completion: $0) }?.value == false)
        #expect(call(loop) { connection.del(["token:1", "greeting", "missing"], completion: $0) }?.value == 2)
        #expect(call(loop) { connection.publish("nobody-listens", [1, 2, 3], completion: $0) }?.value == 0)
        #expect(call(loop) { connection.ping(completion: $0) }?.value != nil)

        // Error replies and replies of the wrong type.
        #expect(call(loop) { connection.send(["HGET", "only-key"], completion: $0) }?.failure
            == .server("ERR wrong number of arguments for 'hget' command"))
        #expect(call(loop) { connection.set("text", Array("abc".utf8), completion: $0) }?.value != nil)
        #expect(call(loop) { connection.incr("text", completion: $0) }?.failure == .server("ERR value is not an integer or out of range"))
        #expect(call(loop) { connection.hgetall("text", completion: $0) }?.failure
            == .server("WRONGTYPE Operation against a key holding the wrong kind of value"))
        #expect(connection.loop.sync { connection.pendingCommands } == 0)
    }

    @Test func pipelinedCommands_completeInOrder() throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        // Sent in the same loop turn as start(): they wait for the first connect, then go out together.
        let connection = RedisConnection(configuration: try testConfiguration("redis://127.0.0.1:\(redis.port)"), loop: loop.loop, group: loop.group)
        let results = Recorder<Int>()
        loop.loop.sync {
            connection.start()
            for _ in 0..<1000 { connection.incr("counter") { results.append((try? $0.get()) ?? -1) } }
        }
        defer { loop.loop.sync { connection.stop() } }
        #expect(eventually { results.all.count == 1000 })
        #expect(results.all == Array(1...1000))
        #expect(connection.loop.sync { connection.pendingCommands } == 0)
    }

    @Test func password_logsIn_andAWrongOneIsReported() throws {
        let redis = try RedisServerProcess(extra: ["--requirepass", "s3cret"])
        defer { redis.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }

        let (good, goodStates) = startConnection(loop, try testConfiguration("redis://:s3cret@127.0.0.1:\(redis.port)"))
        let (wrong, wrongStates) = startConnection(loop, try testConfiguration("redis://:nope@127.0.0.1:\(redis.port)"))
        let (none, noneStates) = startConnection(loop, try testConfiguration("redis://127.0.0.1:\(redis.port)"))
        defer { loop.loop.sync { [good, wrong, none].forEach { $0.stop() } } }

        #expect(eventually { goodStates.last == .up })
        #expect(call(loop) { good.set("k", [1], completion: $0) }?.value != nil)
        #expect(eventually { wrongStates.last?.isDown == true })
        #expect(wrongStates.last?.reason.hasPrefix("AUTH refused: WRONGPASS") == true, "\(wrongStates.all)")
        #expect(eventually { noneStates.last?.isDown == true })
        #expect(noneStates.last?.reason == "PING refused: NOAUTH Authentication required.", "\(noneStates.all)")
        // While down, commands fail at once and are counted.
        #expect(call(loop) { wrong.get("k", completion: $0) }?.failure == .notConnected(wrongStates.last!.reason))
        #expect(wrong.loop.sync { wrong.refusedCommands } == 1)
    }

    @Test func aclUser_logsIn_andSelectsItsDatabase() throws {
        let redis = try RedisServerProcess(extra: ["--user", "alice", "on", ">wonderland", "~*", "&*", "+@all"])
        defer { redis.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (db5, states5) = startConnection(loop, try testConfiguration("redis://alice:wonderland@127.0.0.1:\(redis.port)/5"))
        let (db0, states0) = startConnection(loop, try testConfiguration("redis://alice:wonderland@127.0.0.1:\(redis.port)"))
        let (wrong, wrongStates) = startConnection(loop, try testConfiguration("redis://alice:queen@127.0.0.1:\(redis.port)"))
        defer { loop.loop.sync { [db5, db0, wrong].forEach { $0.stop() } } }
        #expect(eventually { states5.last == .up && states0.last == .up })

        #expect(call(loop) { db5.set("where", Array("five".utf8), completion: $0) }?.value != nil)
        #expect(call(loop) { db5.get("where", completion: $0) }?.value == Array("five".utf8))
        #expect(call(loop) { db0.get("where", completion: $0) }?.value == .some(nil))
        #expect(call(loop) { db0.send(["ACL", "WHOAMI"], completion: $0) }?.value == .bulk("alice"))
        #expect(eventually { wrongStates.last?.isDown == true })
        #expect(wrongStates.last?.reason.hasPrefix("AUTH refused: WRONGPASS") == true, "\(wrongStates.all)")
    }

    @Test func stop_failsWhatWaits_andReportsNothingAfter() throws {
        let fake = try FakeRedis(answer: greetingOnly)
        defer { fake.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (connection, states) = startConnection(loop, try testConfiguration("redis://127.0.0.1:\(fake.port)"))
        #expect(eventually { states.last == .up })
        let outcome = Outcome<[UInt8]?>()
        loop.loop.sync {
            connection.get("never-answered") { outcome.set($0) }
            connection.stop()
        }
        #expect(outcome.wait()?.failure == .stopped)
        #expect(states.last == .down("stopped"))
        let count = states.all.count
        #expect(call(loop) { connection.get("after", completion: $0) }?.failure == .stopped)
        #expect(states.all.count == count)
    }
}
