import Foundation
import PushCluster
import PushCodec
import PushTransport
import Testing
import TestSupport

/// Pub/sub through a real redis-server: delivery, patterns, ACL refusals, and a Redis killed and
/// started again while both sides are connected.
@Suite(.serialized, .enabled(if: RedisServerProcess.binary != nil, "redis-server is not installed (make test installs it when run as root)"))
struct RedisSubscriberTests {
    /// A subscriber started on `loop`, the states it reported and the messages it got.
    func startSubscriber(_ loop: TestLoop, _ url: String, channels: [String] = [], patterns: [String] = [])
        throws -> (RedisSubscriber, Recorder<RedisConnectionState>, Recorder<RedisMessage>) {
        let states = Recorder<RedisConnectionState>()
        let messages = Recorder<RedisMessage>()
        let subscriber = RedisSubscriber(configuration: try testConfiguration(url), loop: loop.loop, group: loop.group,
                                         onStateChange: { states.append($0) }, onMessage: { messages.append($0) })
        loop.loop.sync {
            channels.forEach(subscriber.subscribe)
            patterns.forEach(subscriber.psubscribe)
            subscriber.start()
        }
        return (subscriber, states, messages)
    }

    @Test func publish_reachesChannelAndPatternSubscribers() throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let url = "redis://127.0.0.1:\(redis.port)"
        let (subscriber, states, messages) = try startSubscriber(loop, url, channels: ["wamp-push:bus"], patterns: ["wamp-push:node:*"])
        let (publisher, publisherStates) = startConnection(loop, try testConfiguration(url))
        defer { loop.loop.sync { subscriber.stop(); publisher.stop() } }
        #expect(eventually { states.last == .up && publisherStates.last == .up })

        // `up` came after the confirmations: this publish is seen.
        #expect(call(loop) { publisher.publish("wamp-push:bus", Array(#"{"seq":1}"#.utf8), completion: $0) }?.value == 1)
        #expect(call(loop) { publisher.publish("wamp-push:node:b", [0, 0xFF], completion: $0) }?.value == 1)
        #expect(eventually { messages.all.count == 2 })
        #expect(messages.all == [
            RedisMessage(channel: "wamp-push:bus", pattern: nil, payload: Array(#"{"seq":1}"#.utf8)),
            RedisMessage(channel: "wamp-push:node:b", pattern: "wamp-push:node:*", payload: [0, 0xFF]),
        ])

        // A channel added while up, then one removed.
        loop.loop.sync { subscriber.subscribe("wamp-push:control") }
        #expect(eventually { call(loop) { publisher.publish("wamp-push:control", [7], completion: $0) }?.value == 1 })
        #expect(eventually { messages.all.last == RedisMessage(channel: "wamp-push:control", pattern: nil, payload: [7]) })
        loop.loop.sync { subscriber.unsubscribe("wamp-push:bus") }
        #expect(eventually { call(loop) { publisher.publish("wamp-push:bus", [8], completion: $0) }?.value == 0 })
        #expect(states.all == [.connecting, .up])
    }

    @Test func refusedChannel_endsTheConnectionWithTheReason() throws {
        let redis = try RedisServerProcess(extra: ["--user", "carol", "on", ">pw", "~*", "resetchannels", "&allowed:*", "+@all"])
        defer { redis.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let (subscriber, states, _) = try startSubscriber(loop, "redis://carol:pw@127.0.0.1:\(redis.port)", channels: ["allowed:1", "denied"])
        defer { loop.loop.sync { subscriber.stop() } }
        #expect(eventually { states.last?.isDown == true })
        #expect(states.last?.reason.hasPrefix("SUBSCRIBE denied refused: NOPERM") == true, "\(states.all)")
        #expect(!states.all.contains(.up))
    }

    @Test func redisKilledAndRestarted_bothSidesComeBackAndResubscribe() throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }
        let url = "redis://127.0.0.1:\(redis.port)"
        let (subscriber, states, messages) = try startSubscriber(loop, url, channels: ["bus"], patterns: ["node:*"])
        let (publisher, publisherStates) = startConnection(loop, try testConfiguration(url))
        defer { loop.loop.sync { subscriber.stop(); publisher.stop() } }
        #expect(eventually { states.last == .up && publisherStates.last == .up })
        #expect(call(loop) { publisher.publish("bus", [1], completion: $0) }?.value == 1)

        redis.kill()
        #expect(eventually { states.last?.isDown == true && publisherStates.last?.isDown == true })
        // Down: a publish fails at once (counted by the caller as not delivered).
        #expect(call(loop) { publisher.publish("bus", [2], completion: $0) }?.failure.map { if case .notConnected = $0 { true } else { false } } == true)

        try redis.start()
        #expect(eventually { states.last == .up && publisherStates.last == .up })
        #expect(call(loop) { publisher.publish("bus", [3], completion: $0) }?.value == 1)
        #expect(call(loop) { publisher.publish("node:a", [4], completion: $0) }?.value == 1)
        #expect(eventually { messages.all.count == 3 })
        #expect(messages.all.map(\.payload) == [[1], [3], [4]])
        #expect(Array(states.all.prefix(3)) == [.connecting, .up, states.all[2]] && states.all[2].isDown)
        #expect(publisher.loop.sync { publisher.connects } == 2)
        #expect(subscriber.loop.sync { subscriber.connection.connects } == 2)
    }
}
