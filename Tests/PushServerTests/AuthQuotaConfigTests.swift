import PushCodec
@testable import PushConfig
@testable import PushServer
import Testing

/// The configuration keys of the authentication quotas and the two command pools.
@Suite struct AuthQuotaConfigTests {
    func load(_ json: String) throws(ConfigError) -> ServerConfig { try loadConfig(json) }

    @Test func defaults() {
        let config = ServerConfig()
        #expect(config.limits.maxSessionsPerUser == 64)
        #expect(config.limits.failedAuthPerAddressPerMinute == 120)
        #expect(config.limits.verifierSpawnsPerAddressPerMinute == 60)
        #expect(config.auth.maxConcurrent == 8)
        #expect(config.accessCheck.maxConcurrent == 8)
    }

    @Test func keysLoad_andZeroTurnsAQuotaOff() throws {
        let config = try load("""
            {"limits":{"maxSessionsPerUser":0,"failedAuthPerAddressPerMinute":10,"verifierSpawnsPerAddressPerMinute":0},
             "auth":{"maxConcurrent":2},"accessCheck":{"maxConcurrent":3}}
            """)
        #expect(config.limits.maxSessionsPerUser == 0)
        #expect(config.limits.failedAuthPerAddressPerMinute == 10)
        #expect(config.limits.verifierSpawnsPerAddressPerMinute == 0)
        #expect(config.auth.maxConcurrent == 2)
        #expect(config.accessCheck.maxConcurrent == 3)
    }

    @Test(arguments: [
        (#"{"limits":{"maxSessionsPerUser":-1}}"#, "limits.maxSessionsPerUser"),
        (#"{"limits":{"failedAuthPerAddressPerMinute":"many"}}"#, "limits.failedAuthPerAddressPerMinute"),
        (#"{"limits":{"verifierSpawnsPerAddressPerMinute":1.5}}"#, "limits.verifierSpawnsPerAddressPerMinute"),
        (#"{"auth":{"maxConcurrent":0}}"#, "auth.maxConcurrent"),
        (#"{"accessCheck":{"maxConcurrent":0}}"#, "accessCheck.maxConcurrent"),
    ])
    func badValues_nameTheKey(json: String, key: String) {
        #expect(throws: ConfigError.self) { try load(json) }
        do { _ = try load(json) } catch { #expect(error.key == key) }
    }

    @Test func environment() throws {
        var config = ServerConfig()
        try ConfigLoader.apply(environment: ["WAMP_PUSH_MAX_SESSIONS_PER_USER": "5",
                                             "WAMP_PUSH_FAILED_AUTH_PER_ADDRESS_PER_MINUTE": "0",
                                             "WAMP_PUSH_VERIFIER_SPAWNS_PER_ADDRESS_PER_MINUTE": "7"], to: &config)
        #expect(config.limits.maxSessionsPerUser == 5)
        #expect(config.limits.failedAuthPerAddressPerMinute == 0)
        #expect(config.limits.verifierSpawnsPerAddressPerMinute == 7)
        var bad = ServerConfig()
        #expect(throws: ConfigError.self) {
            try ConfigLoader.apply(environment: ["WAMP_PUSH_MAX_SESSIONS_PER_USER": "-2"], to: &bad)
        }
    }
}
