import PushCodec
@testable import PushConfig
@testable import PushServer
import PushTransport
import Testing

@Suite struct ConfigLoaderTests {
    func load(_ json: String) throws(ConfigError) -> ServerConfig { try loadConfig(json) }

    @Test func specExample_loads() throws {
        let config = try load("""
        {"listeners":[{"address":"127.0.0.1:8443","tls":{"cert":"data/tls/cert.pem","key":"data/tls/key.pem"}},{"address":"127.0.0.1:8080"}],
         "database":"data/wamp-push.sqlite","publishSecret":"change-me",
         "categories":{"WhatsApp":{"paramList":["chatId"]},"newNotification":{},"recordUpdate":{"paramList":["scope","id"]}},
         "whatsapp":{"apiUrl":"http://whatsapp-api:3000","apiKey":"secret","sessionId":"espocrm-session","webhookSecret":null},
         "limits":{"maxConnections":100000,"maxFrameBytes":65536,"maxMessageBytes":1048576,"maxRequestBytes":1048576,
                   "handshakeTimeoutSeconds":10,"pingIntervalSeconds":60,"sendBufferBytes":1048576},
         "logLevel":"info","diagnostics":{"echo":false,"console":false}}
        """)
        #expect(config.listeners.count == 2)
        #expect(config.listeners[0].tls?.generated == false)
        #expect(config.publishSecret == "change-me")
        #expect(config.categories.keys.sorted() == ["WhatsApp", "newNotification", "recordUpdate"])
        #expect(config.whatsapp.apiUrl == "http://whatsapp-api:3000")
    }

    @Test(arguments: [
        (#"{"nope":1}"#, "nope"),
        (#"{"limits":{"maxFrameBytes":0}}"#, "limits.maxFrameBytes"),
        (#"{"limits":{"maxFrameBytes":2000000}}"#, "limits.maxFrameBytes"),
        (#"{"limits":{"pingIntervalSeconds":"often"}}"#, "limits.pingIntervalSeconds"),
        (#"{"listeners":[]}"#, "listeners"),
        (#"{"listeners":[{"address":"localhost"}]}"#, "listeners[0].address"),
        (#"{"listeners":[{"address":"1.2.3.4:99999"}]}"#, "listeners[0].address"),
        (#"{"listeners":[{"address":"127.0.0.1:1","tls":{"cert":"c"}}]}"#, "listeners[0].tls.key"),
        (#"{"categories":{"x":{"paramList":"a"}}}"#, "categories.x.paramList"),
        (#"{"categories":{"x":{"clientPublish":"yes"}}}"#, "categories.x.clientPublish"),
        (#"{"auth":{"verifyCommand":"php command.php AuthTokenCheck"}}"#, "auth.verifyCommand"),
        (#"{"logLevel":"loud"}"#, "logLevel"),
        (#"{"publishSecret":""}"#, "publishSecret"),
        (#"{"cluster":{"redis":"http://127.0.0.1"}}"#, "cluster.redis"),
        (#"{"cluster":{"redis":"redis://:pw@host:0"}}"#, "cluster.redis"),
        (#"{"cluster":{"redis":7}}"#, "cluster.redis"),
        (#"{"cluster":{"channelPrefix":""}}"#, "cluster.channelPrefix"),
        (#"{"cluster":{"channelPrefix":"a b"}}"#, "cluster.channelPrefix"),
        (#"{"cluster":{"nodeId":"node/1"}}"#, "cluster.nodeId"),
        (#"{"cluster":{"whatsAppNode":""}}"#, "cluster.whatsAppNode"),
        (#"{"cluster":{"redis":"redis://x","sentinel":1}}"#, "cluster.sentinel"),
        (#"{"limits":{"drainTimeoutSeconds":0}}"#, "limits.drainTimeoutSeconds"),
        (#"{"limits":{"idleTimeoutSeconds":"long"}}"#, "limits.idleTimeoutSeconds"),
        (#"{"limits":{"maxSubscriptionsPerSession":-1}}"#, "limits.maxSubscriptionsPerSession"),
        (#"{"limits":{"maxConnectionsPerAddress":-1}}"#, "limits.maxConnectionsPerAddress"),
        (#"{"limits":{"addressLimitsExemptLoopback":"no"}}"#, "limits.addressLimitsExemptLoopback"),
        (#"{"limits":{"sendBufferBytes":65536}}"#, "limits.outputHighWatermarkBytes"),
        (#"{"limits":{"outputLowWatermarkBytes":262144}}"#, "limits.outputLowWatermarkBytes"),
    ])
    func invalidConfig_namesTheKey(_ json: String, _ key: String) {
        #expect(throws: ConfigError.self) { _ = try load(json) }
        do { _ = try load(json) } catch { #expect(error.key == key, "\(error)") }
    }

    @Test func connectionLimits_load_andReachTheTransportPolicy() throws {
        let config = try load(#"""
        {"limits":{"idleTimeoutSeconds":30,"requestTimeoutSeconds":90,"closeTimeoutSeconds":1.5,"drainTimeoutSeconds":4,
                   "lingerTimeoutSeconds":1,"outputHighWatermarkBytes":131072,"outputLowWatermarkBytes":16384,
                   "maxSubscriptionsPerSession":16,"maxConnectionsPerAddress":0,"addressLimitsExemptLoopback":false}}
        """#)
        let policy = config.limits.connectionPolicy
        #expect(policy.timeout(.idle) == MonotonicClock.seconds(30))
        #expect(policy.timeout(.busy) == MonotonicClock.seconds(90))
        #expect(policy.timeout(.closing) == MonotonicClock.seconds(1.5))
        #expect(policy.timeout(.draining) == MonotonicClock.seconds(4))
        #expect(policy.timeout(.lingering) == MonotonicClock.seconds(1))
        #expect(policy.timeout(.handshake) == MonotonicClock.seconds(10))
        #expect(policy.highWatermark == 131072 && policy.lowWatermark == 16384)
        #expect(policy.sendBufferLimit == 1_048_576)
        #expect(config.limits.maxSubscriptionsPerSession == 16)
        #expect(config.limits.maxConnectionsPerAddress == 0)
        #expect(config.limits.addressLimitsExemptLoopback == false)
    }

    @Test func environment_overridesFile_andListenSpecsParse() throws {
        var config = try load(#"{"database":"file.sqlite","logLevel":"debug"}"#)
        try ConfigLoader.apply(environment: [
            "WAMP_PUSH_DB": "env.sqlite", "WAMP_PUSH_LISTEN": "127.0.0.1:9000, tls://[::1]:9443",
            "WAMP_PUSH_MAX_FRAME_BYTES": "4096", "WAMP_PUSH_PING_INTERVAL_SECONDS": "2.5", "WAMP_PUSH_ECHO": "true",
        ], to: &config)
        #expect(config.database == "env.sqlite")
        #expect(config.logLevel == "debug")
        #expect(config.listeners.map(\.address) == ["127.0.0.1:9000", "[::1]:9443"])
        #expect(config.listeners.map { $0.tls != nil } == [false, true])
        #expect(config.limits.maxFrameBytes == 4096)
        #expect(config.limits.pingIntervalSeconds == 2.5)
        #expect(config.diagnostics.echo)
        #expect(throws: ConfigError.self) { try ConfigLoader.apply(environment: ["WAMP_PUSH_MAX_CONNECTIONS": "many"], to: &config) }
    }

    /// Found by the config fuzz target: a value with a control character made a refusal that is
    /// not one line (a newline splits it, an escape sequence repaints the terminal).
    @Test func refusal_isOneLine_whateverTheInputHolds() throws {
        var config = ServerConfig()
        do {
            try ConfigLoader.apply(environment: ["WAMP_PUSH_LISTEN": "127.0.0.1:9000, tls://[::1]:\u{19}443"], to: &config)
            Issue.record("accepted")
        } catch {
            #expect(error.key == "WAMP_PUSH_LISTEN")
            #expect(error.description.contains("[::1]:\\u{19}443"), "\(error.description)")
            #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 })
        }
        do {
            _ = try load(#"{"lim\nits\u001b[2J":1}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.key == "lim\nits\u{1B}[2J")
            #expect(error.description.hasPrefix(#"invalid config: lim\nits\u{1B}[2J: unknown key"#), "\(error.description)")
        }
    }

    @Test func cluster_loadsFromFileEnvironment_andTheMessageHidesThePassword() throws {
        var config = try load(#"{"cluster":{"redis":"redis://:pw@10.0.0.5:6380/2","channelPrefix":"crm-a","nodeId":"node-1","whatsAppNode":"node-1"}}"#)
        #expect(config.cluster.redis == "redis://:pw@10.0.0.5:6380/2")
        #expect(config.cluster.channelPrefix == "crm-a" && config.cluster.nodeId == "node-1" && config.cluster.whatsAppNode == "node-1")
        try ConfigLoader.apply(environment: ["WAMP_PUSH_CLUSTER_REDIS": "rediss://redis.internal", "WAMP_PUSH_CLUSTER_NODE_ID": "node-2"], to: &config)
        #expect(config.cluster.redis == "rediss://redis.internal" && config.cluster.nodeId == "node-2")
        try ConfigLoader.validate(config)
        do {
            _ = try load(#"{"cluster":{"redis":"redis://:hunter2@host:99999"}}"#)
            Issue.record("a bad port was accepted")
        } catch {
            #expect(error.description == "invalid config: cluster.redis: redis URL has port '99999'; expected 1-65535")
        }
    }
}
