import PushCodec
@testable import PushConfig
@testable import PushServer
import Testing

/// `espo.zeroMQ` and the ZeroMQ limits: loaded from file and environment, refused with the key named.
@Suite struct ConfigEspoTests {
    func load(_ json: String, environment: [String: String] = [:]) throws(ConfigError) -> ServerConfig {
        try loadConfig(json, environment: environment)
    }

    @Test func offByDefault() throws {
        let config = try load("{}")
        #expect(config.espo.zeroMQ == nil)
        #expect(config.limits.zeroMQReceiveHighWaterMark == 1000)
        #expect(config.limits.zeroMQMaxMessageBytes == 1_048_576)
    }

    @Test func fileAndEnvironment_set_andTheEnvironmentWins() throws {
        let config = try load(#"{"espo":{"zeroMQ":"tcp://127.0.0.1:5555"},"limits":{"zeroMQReceiveHighWaterMark":50,"zeroMQMaxMessageBytes":4096}}"#)
        #expect(config.espo.zeroMQ == "tcp://127.0.0.1:5555")
        #expect(config.limits.zeroMQReceiveHighWaterMark == 50)
        #expect(config.limits.zeroMQMaxMessageBytes == 4096)
        let overridden = try load(#"{"espo":{"zeroMQ":"tcp://127.0.0.1:5555"}}"#, environment: ["WAMP_PUSH_ESPO_ZEROMQ": "ipc:///run/espo.sock"])
        #expect(overridden.espo.zeroMQ == "ipc:///run/espo.sock")
        #expect(try load(#"{"espo":{"zeroMQ":"tcp://127.0.0.1:5555"}}"#, environment: ["WAMP_PUSH_ESPO_ZEROMQ": ""]).espo.zeroMQ == nil)
        #expect(try load(#"{"espo":{"zeroMQ":null}}"#).espo.zeroMQ == nil)
    }

    @Test(arguments: [
        (#"{"espo":{"zeroMQ":"inproc://x"}}"#, "espo.zeroMQ", "invalid ZeroMQ endpoint \"inproc://x\": must be tcp://HOST:PORT or ipc://PATH"),
        (#"{"espo":{"zeroMQ":"tcp://127.0.0.1"}}"#, "espo.zeroMQ", "invalid ZeroMQ endpoint \"tcp://127.0.0.1\": a port is required (tcp://HOST:PORT)"),
        (#"{"espo":{"zeroMQ":5555}}"#, "espo.zeroMQ", "must be a string (got a number)"),
        (#"{"espo":{"zeromq":"tcp://127.0.0.1:5555"}}"#, "espo.zeromq", nil),
        (#"{"espo":"tcp://127.0.0.1:5555"}"#, "espo", "must be an object (got a string)"),
        (#"{"limits":{"zeroMQReceiveHighWaterMark":0}}"#, "limits.zeroMQReceiveHighWaterMark", "must be a positive integer (got 0)"),
        (#"{"limits":{"zeroMQMaxMessageBytes":"big"}}"#, "limits.zeroMQMaxMessageBytes", "must be a positive integer (got \"big\")"),
        (#"{"limits":{"zeroMQMaxMessageBytes":4294967295}}"#, "limits.zeroMQMaxMessageBytes", nil),
    ] as [(String, String, String?)])
    func invalid_namesTheKey(_ json: String, _ key: String, _ problem: String?) {
        do {
            _ = try load(json)
            Issue.record("\(json) loaded")
        } catch {
            #expect(error.key == key)
            if let problem { #expect(error.problem == problem) }
        }
    }

    @Test func badEnvironmentDSN_namesTheKey() {
        #expect(throws: ConfigError("espo.zeroMQ", "invalid ZeroMQ endpoint \"udp://x:1\": must be tcp://HOST:PORT or ipc://PATH")) {
            _ = try load("{}", environment: ["WAMP_PUSH_ESPO_ZEROMQ": "udp://x:1"])
        }
    }
}
