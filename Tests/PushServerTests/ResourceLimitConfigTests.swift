import PushCodec
@testable import PushConfig
import Testing
@testable import PushServer

/// The keys of the resource limits (Docs/security.md): the descriptor reserve, topic length and CURIE prefixes.
@Suite struct ResourceLimitConfigTests {
    func load(_ json: String) throws(ConfigError) -> ServerConfig { try loadConfig(json) }

    @Test func defaults() {
        let limits = ServerConfig().limits
        #expect(limits.reservedDescriptors == 128)
        #expect(limits.maxTopicBytes == 1024)
        #expect(limits.maxPrefixesPerSession == 64)
        #expect(limits.socketUnsentBytes == 131_072)
        #expect(limits.connectionPolicy.socketUnsentLimit == 131_072)
    }

    @Test func logQueueBytes_loads() throws {
        #expect(ServerConfig().limits.logQueueBytes == 1_048_576)
        #expect(try load(#"{"limits":{"logQueueBytes":65536}}"#).limits.logQueueBytes == 65536)
    }

    @Test func socketUnsentBytes_loads_andReachesTheConnectionPolicy() throws {
        let config = try load(#"{"limits":{"socketUnsentBytes":32768}}"#)
        #expect(config.limits.socketUnsentBytes == 32768)
        #expect(config.limits.connectionPolicy.socketUnsentLimit == 32768)
    }

    @Test func keysLoad_fromFileAndEnvironment() throws {
        var config = try load(#"{"limits":{"reservedDescriptors":100,"maxTopicBytes":200,"maxPrefixesPerSession":4}}"#)
        #expect(config.limits.reservedDescriptors == 100)
        #expect(config.limits.maxTopicBytes == 200)
        #expect(config.limits.maxPrefixesPerSession == 4)
        try ConfigLoader.apply(environment: [
            "WAMP_PUSH_RESERVED_DESCRIPTORS": "256", "WAMP_PUSH_MAX_TOPIC_BYTES": "512", "WAMP_PUSH_MAX_PREFIXES_PER_SESSION": "8",
        ], to: &config)
        try ConfigLoader.validate(config)
        #expect(config.limits.reservedDescriptors == 256)
        #expect(config.limits.maxTopicBytes == 512)
        #expect(config.limits.maxPrefixesPerSession == 8)
    }

    @Test(arguments: [
        (#"{"limits":{"reservedDescriptors":95}}"#, "limits.reservedDescriptors", "at least 96"),
        (#"{"limits":{"reservedDescriptors":128},"auth":{"maxConcurrent":20}}"#, "limits.reservedDescriptors", "at least 144"),
        (#"{"limits":{"reservedDescriptors":0}}"#, "limits.reservedDescriptors", "positive integer"),
        (#"{"limits":{"maxTopicBytes":63}}"#, "limits.maxTopicBytes", "at least 64"),
        (#"{"limits":{"maxTopicBytes":"1k"}}"#, "limits.maxTopicBytes", "positive integer"),
        (#"{"limits":{"maxPrefixesPerSession":0}}"#, "limits.maxPrefixesPerSession", "positive integer"),
        (#"{"limits":{"maxPrefixesPerSession":-3}}"#, "limits.maxPrefixesPerSession", "positive integer"),
        (#"{"limits":{"socketUnsentBytes":4095}}"#, "limits.socketUnsentBytes", "between 4096 and 16777216"),
        (#"{"limits":{"socketUnsentBytes":16777217}}"#, "limits.socketUnsentBytes", "between 4096 and 16777216"),
        (#"{"limits":{"socketUnsentBytes":0}}"#, "limits.socketUnsentBytes", "positive integer"),
        (#"{"limits":{"logQueueBytes":16383}}"#, "limits.logQueueBytes", "between 16384 and 67108864"),
        (#"{"limits":{"logQueueBytes":67108865}}"#, "limits.logQueueBytes", "between 16384 and 67108864"),
    ])
    func invalidValue_namesTheKey(_ json: String, _ key: String, _ problem: String) {
        do {
            _ = try load(json)
            Issue.record("\(json) was accepted")
        } catch {
            #expect(error.key == key)
            #expect(error.problem.contains(problem), "\(error)")
        }
    }

    @Test func aSmallerCommandPool_allowsASmallerReserve() throws {
        let config = try load(#"{"limits":{"reservedDescriptors":40},"auth":{"maxConcurrent":1},"accessCheck":{"maxConcurrent":1}}"#)
        #expect(config.limits.reservedDescriptors == 40)
    }

    @Test func invalidEnvironmentValue_namesTheVariable() {
        var config = ServerConfig()
        do {
            try ConfigLoader.apply(environment: ["WAMP_PUSH_MAX_TOPIC_BYTES": "lots"], to: &config)
            Issue.record("accepted")
        } catch {
            #expect(error.key == "WAMP_PUSH_MAX_TOPIC_BYTES")
        }
    }
}
