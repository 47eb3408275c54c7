import LoadGeneratorCore
import Testing

/// Each scenario run briefly against a server started in the test: checks that it counts what
/// it says (no timing assertions: targets live in `make bench`).
@Suite(.serialized)
struct ScenarioSmokeTests {
    @Test func fanout_countsEveryDelivery_ofEveryEvent() throws {
        let server = try BenchServer()
        defer { server.stop() }
        let report = try FanoutScenario.run(try server.target(), FanoutOptions(subscribers: 20, events: 50))
        #expect(report["error"] == nil)
        #expect(report.int("subscribers") == 20)
        #expect(report.int("events") == 50)
        #expect(report.int("deliveries") == 1000)
        #expect(report.int("expected_deliveries") == 1000)
        #expect(report.int("server_reported_deliveries") == 1000)
        #expect(report.int("lost") == 0)
        #expect(report.int("reordered") == 0)
        #expect(report.int("duplicates") == 0)
        #expect(report.int("publish_errors") == 0)
        #expect(report.number("server_cpu_s") != nil)
        #expect((report.number("latency_max_ms") ?? 0) > 0)
    }

    @Test func fanout_overTLS_with1KiBPayload_losesNothing() throws {
        let server = try BenchServer()
        defer { server.stop() }
        let report = try FanoutScenario.run(try server.target(tls: true), FanoutOptions(subscribers: 10, payloadBytes: 1024, events: 30))
        #expect(report["transport"] == .text("wss"))
        #expect(report.int("deliveries") == 300)
        #expect(report.int("lost") == 0)
    }

    @Test func fanout_detectsEventWithheldFromOneSubscriber() throws {
        let server = try BenchServer()
        defer { server.stop() }
        // Subscriber "victim" shares the topic; event 17 is published to user "bench" only,
        // so the server itself withholds exactly one delivery from exactly one subscriber.
        let victim = try server.target(user: "victim")
        let options = FanoutOptions(subscribers: 20, events: 50, drainSeconds: 0.5, targetUser: { $0 == 17 ? "bench" : nil })
        var target = try server.target(user: "bench")
        target.firstCredentials = [BenchTarget.Credential(token: victim.token, user: "victim")]
        let report = try FanoutScenario.run(target, options)
        #expect(report.int("subscribers") == 20)
        #expect(report.int("deliveries") == 999)
        #expect(report.int("expected_deliveries") == 1000)
        #expect(report.int("lost") == 1)
        #expect(report.int("reordered") == 0)
    }

    @Test func latency_publishesAtRate_andLosesNothing() throws {
        let server = try BenchServer()
        defer { server.stop() }
        let options = FanoutOptions(subscribers: 10, seconds: 0.5, rate: 20, name: "latency")
        let report = try FanoutScenario.run(try server.target(), options)
        #expect(report.scenario == "latency")
        let events = try #require(report.int("events"))
        #expect(events >= 9 && events <= 11)
        #expect(report.int("deliveries") == events * 10)
        #expect(report.int("lost") == 0)
        #expect(report.number("latency_p99_ms") != nil)
    }

    @Test func idle_holdsEveryConnection_andReadsServerRSS() throws {
        let server = try BenchServer()
        defer { server.stop() }
        var target = try server.target()
        target.sources = 2
        let report = try IdleScenario.run(target, IdleOptions(connections: 50, settleSeconds: 1))
        #expect(report["error"] == nil)
        #expect(report.int("connections") == 50)
        #expect(report.int("failed_connections") == 0)
        #expect(report.int("sources") == 2)
        #expect(report.int("server_rss_after_bytes") != nil)
        #expect(server.server.sessionCount == 0 || server.server.sessionCount <= 50)
    }

    @Test func handshake_completesUpgrades_andRefusesNone() throws {
        let server = try BenchServer()
        defer { server.stop() }
        let report = try HandshakeScenario.run(try server.target(), HandshakeOptions(seconds: 1, concurrency: 8))
        #expect(report["error"] == nil)
        #expect((report.int("handshakes") ?? 0) > 0)
        #expect(report.int("failed") == 0)
    }

    @Test func handshake_countsRefusals_forBadToken() throws {
        let server = try BenchServer()
        defer { server.stop() }
        var target = try server.target()
        target.token = "not-a-token"
        let report = try HandshakeScenario.run(target, HandshakeOptions(seconds: 0.3, concurrency: 2))
        #expect(report.int("handshakes") == 0)
        #expect((report.int("failed") ?? 0) > 0)
        guard case .text(let error)? = report["error"] else { Issue.record("no error field"); return }
        #expect(error.contains("HTTP 401"))
    }

    @Test func webhook_isSkipped_whileEndpointAnswers404() throws {
        let server = try BenchServer()
        defer { server.stop() }
        let report = try WebhookScenario.run(try server.target(), WebhookOptions(seconds: 0.5, concurrency: 2))
        if report["skipped"] != nil {
            #expect(report.jsonLine == #"{"scenario":"webhook","skipped":"endpoint not available"}"#)
        } else {
            #expect((report.int("ok") ?? 0) > 0) // the endpoint exists: it must accept our bodies
        }
    }

    @Test func soak_healthySubscribersGetEveryEventInOrder_besideStalledPeers() throws {
        // Every connection is user "bench": no per-user cap.
        let server = try BenchServer { $0.limits.maxSessionsPerUser = 0 }
        defer { server.stop() }
        var target = try server.target()
        target.topic = "WhatsApp"
        var options = SoakOptions()
        (options.httpPeers, options.webSocketPeers, options.subscribers) = (20, 20, 50)
        (options.events, options.payloadBytes, options.holdSeconds, options.drainSeconds) = (100, 1024, 3, 2)
        let report = try SoakScenario.run(target, options)
        #expect(report["error"] == nil)
        #expect(report.int("healthy_subscribers") == 50)
        #expect(report.int("http_peers") == 20)
        #expect(report.int("ws_peers") == 20)
        #expect(report.int("ws_peers_subscribed") == 20)
        #expect(report.int("events") == 100)
        #expect(report.int("deliveries") == 5000)
        #expect(report.int("expected_deliveries") == 5000)
        #expect(report.int("lost") == 0)
        #expect(report.int("reordered") == 0)
        #expect(report.int("duplicates") == 0)
        #expect(report.int("healthy_dropped") == 0)
        #expect(report.int("publish_errors") == 0)
        for key in ["server_rss_start_bytes", "server_rss_baseline_bytes", "server_rss_peak_bytes", "server_rss_end_bytes", "server_fds_peak"] {
            #expect((report.int(key) ?? 0) > 0, "\(key)")
        }
        #expect(report.number("server_rss_per_slow_peer_bytes") != nil)
        // The server's own counters were read from /metrics (how many it closed is the soak's figure).
        #expect(report.int("server_slow_consumers_closed") != nil)
    }

    @Test func readrate_selfTest_readsEveryStreamedEvent() throws {
        let report = try ReadRateScenario.run(ReadRateOptions(connections: 10, events: 200, chunkBytes: 1000))
        #expect(report["error"] == nil)
        #expect(report.int("deliveries") == 2000)
        #expect(report.int("lost") == 0)
        #expect(report.int("reordered") == 0)
    }
}
