import Foundation
import PushClient
import PushCodec
import Testing

/// Three `wamp-push serve` processes sharing one real redis-server (Docs/cluster.md).
@Suite(.serialized, .enabled(if: RedisPeer.binary != nil, "redis-server is not installed (make test installs it when run as root)"))
struct ClusterTests {
    /// Redis and three nodes, each reporting `"cluster": "ok"`.
    static func cluster() throws -> (RedisPeer, [ClusterNodeProcess]) {
        let redis = try RedisPeer()
        var nodes: [ClusterNodeProcess] = []
        do {
            for id in ["node-a", "node-b", "node-c"] { nodes.append(try ClusterNodeProcess(id: id, redis: redis.url)) }
        } catch {
            nodes.forEach { $0.stop() }
            redis.stop()
            throw error
        }
        #expect(within(10) { nodes.allSatisfy { $0.clusterHealth() == "ok" } })
        return (redis, nodes)
    }

    @Test func publishOnA_reachesEveryNodeOnceAndInOrder_andAUserScopedEventOnlyThatUser() throws {
        let (redis, nodes) = try Self.cluster()
        defer { nodes.forEach { $0.stop() }; redis.stop() }
        let a = nodes[0]
        let tokens = ["u1": try a.createToken(user: "u1"), "u2": try a.createToken(user: "u2")]
        var sessions: [(node: String, user: String, client: WebSocketClient)] = []
        for node in nodes {
            for user in ["u1", "u2"] {
                sessions.append((node.id, user, try node.session(token: tokens[user]!, user: user, topic: "newNotification")))
            }
        }

        // 1,000 events in ten requests of 100, then one for u2 only, then one for everybody.
        for batch in 0..<10 {
            let events = (0..<100).map { #"{"topicId":"newNotification","n":\#(batch * 100 + $0)}"# }
            #expect(try a.publish("[" + events.joined(separator: ",") + "]").contains(#""accepted":100"#))
        }
        try a.publish(#"{"topicId":"newNotification","userId":"u2","only":"u2"}"#)
        try a.publish(#"{"topicId":"newNotification","end":true}"#)

        for session in sessions {
            var numbers: [Int64] = []
            for _ in 0..<1000 {
                guard let payload = eventPayload(try session.client.receiveText(timeout: 10)), let n = payload["n"]?.int64Value else { break }
                numbers.append(n)
            }
            #expect(numbers == Array(0..<1000), "\(session.node)/\(session.user): \(numbers.count) events, in order: \(numbers == numbers.sorted())")
            let next = eventPayload(try session.client.receiveText(timeout: 10))
            if session.user == "u2" {
                #expect(next?["only"]?.stringValue == "u2", "\(session.node)/u2")
                #expect(eventPayload(try session.client.receiveText(timeout: 10))?["end"] == .bool(true))
            } else {
                // What comes after the 1,000th is the event for everybody: u1 never saw u2's.
                #expect(next?["end"] == .bool(true), "\(session.node)/u1 got \(String(describing: next))")
            }
        }
        #expect(nodes.allSatisfy { $0.metric("wamp_push_cluster_received_total{result=\"duplicate\"}") == 0 })

        // No cluster.whatsAppNode: no node runs the WhatsApp module, and each says so.
        let whatsApp = try nodes[1].client().request("POST", "/api/v1/WhatsApp/action/webhook", body: Array("{}".utf8))
        #expect(whatsApp.status == 421 && whatsApp.bodyString().contains("whatsapp_elsewhere")
            && whatsApp.bodyString().contains("no node of this cluster"), "\(whatsApp.status) \(whatsApp.bodyString())")
    }

    @Test func tokenMadeOnA_admitsOnC_andARevocationThroughB_closesTheSessionOnC() throws {
        let (redis, nodes) = try Self.cluster()
        defer { nodes.forEach { $0.stop() }; redis.stop() }
        let (a, b, c) = (nodes[0], nodes[1], nodes[2])

        // Through the API of A, revoked through the API of B.
        let token = try a.createToken(user: "u3")
        let session = try c.session(token: token, user: "u3", topic: "newNotification")
        let started = Date()
        let revoked = try b.client().request("DELETE", "/internal/tokens/\(token)")
        #expect(revoked.status == 200, "\(revoked.bodyString())")
        let closed = session.waitForClose(timeout: 5)
        let apiSeconds = Date().timeIntervalSince(started)
        #expect(closed?.code == 1008, "\(String(describing: closed))")
        let (again, answer) = try WebSocketClient.connect(url: c.http.replacingOccurrences(of: "http://", with: "ws://")
            + "/wss?authToken=\(token)&userId=u3", timeout: 5)
        #expect(again == nil && answer.status == 403, "\(answer.status) \(answer.bodyString())")

        // Through the CLI on A (its own table), revoked through the CLI on B (a table without it).
        let made = try ServerProcess.run(["token", "create", "--user", "u4", "--db", "data/node.sqlite"], in: a.process.directory)
        #expect(made.0 == 0, "\(made.2)")
        let cliToken = made.1.trimmingCharacters(in: .whitespacesAndNewlines)
        let cliSession = try c.session(token: cliToken, user: "u4", topic: "newNotification")
        let cliStarted = Date()
        let revoke = try ServerProcess.run(["token", "revoke", cliToken, "--db", "data/node.sqlite", "--cluster-redis", redis.url],
                                           in: b.process.directory)
        #expect(revoke.0 == 0 && revoke.1.contains("asked the cluster to revoke it"), "\(revoke)")
        #expect(cliSession.waitForClose(timeout: 5)?.code == 1008)
        // From the request (the CLI's start) to the close frame on C: the CLI's way goes through
        // B's revocation log, polled twice a second.
        print("cluster revocation: API on B → closed on C in \(String(format: "%.3f", apiSeconds)) s; "
            + "CLI on B → closed on C in \(String(format: "%.3f", Date().timeIntervalSince(cliStarted))) s")
    }

    @Test func redisKilledMidStream_localDeliveryGoesOn_andCrossNodeResumesByItself() throws {
        let (redis, nodes) = try Self.cluster()
        defer { nodes.forEach { $0.stop() }; redis.stop() }
        let (a, c) = (nodes[0], nodes[2])
        let token = try a.createToken(user: "u5")
        let onA = try a.session(token: token, user: "u5", topic: "newNotification")
        let onC = try c.session(token: token, user: "u5", topic: "newNotification")
        func publish(_ range: Range<Int>) throws {
            try a.publish("[" + range.map { #"{"topicId":"newNotification","n":\#($0)}"# }.joined(separator: ",") + "]")
        }
        func receive(_ client: WebSocketClient, _ count: Int) throws -> [Int64] {
            try (0..<count).compactMap { _ in eventPayload(try client.receiveText(timeout: 10))?["n"]?.int64Value }
        }
        try publish(0..<50)
        #expect(try receive(onA, 50) == Array(0..<50))
        #expect(try receive(onC, 50) == Array(0..<50))

        let killed = Date()
        redis.kill()
        #expect(within(10) { a.clusterHealth() == "degraded" && c.clusterHealth() == "degraded" })
        let degradedAfter = Date().timeIntervalSince(killed)
        try publish(50..<60)
        #expect(try receive(onA, 10) == Array(50..<60), "local delivery stops with Redis")

        let restarted = Date()
        try redis.start()
        #expect(within(15) { a.clusterHealth() == "ok" && c.clusterHealth() == "ok" })
        let okAfter = Date().timeIntervalSince(restarted)
        try publish(60..<70)
        #expect(try receive(onA, 10) == Array(60..<70))
        #expect(try receive(onC, 10) == Array(60..<70), "cross-node delivery did not resume")
        #expect(a.metric("wamp_push_cluster_published_total{result=\"redis_down\"}")
            + a.metric("wamp_push_cluster_published_total{result=\"connection_lost\"}") == 10)
        #expect(c.metric("wamp_push_cluster_missed_total") == 10)
        print("cluster fault: degraded on /healthz \(String(format: "%.2f", degradedAfter)) s after SIGKILL; "
            + "ok again \(String(format: "%.2f", okAfter)) s after restart; 10 events published meanwhile counted as not delivered on A and missed on C")
    }

    @Test func whatsAppNode_runsTheModule_andTheOthersNameIt() throws {
        let redis = try RedisPeer()
        defer { redis.stop() }
        let config = #"{"cluster":{"whatsAppNode":"node-w"}}"#
        let w = try ClusterNodeProcess(id: "node-w", redis: redis.url, config: config)
        defer { w.stop() }
        let other = try ClusterNodeProcess(id: "node-x", redis: redis.url, config: config)
        defer { other.stop() }
        let path = "/api/v1/WhatsApp/action/webhook"
        let elsewhere = try other.client().request("POST", path, body: Array("{}".utf8))
        #expect(elsewhere.status == 421 && elsewhere.bodyString().contains("runs on node node-w"), "\(elsewhere.bodyString())")
        // The module's own node answers with the module (no webhook secret configured: 503).
        let here = try w.client().request("POST", path, body: Array("{}".utf8))
        #expect(here.status != 421 && !here.bodyString().contains("whatsapp_elsewhere"), "\(here.status) \(here.bodyString())")
    }
}
