import Foundation
import PushClient
import PushCodec
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// The cluster tests' `redis-server` (TestSupport): `kill()` is a crash, `start()` brings it back.
typealias RedisPeer = RedisServerProcess

/// One `wamp-push serve` of a cluster, as its own process.
struct ClusterNodeProcess {
    let id: String
    let process: ServerProcess
    let http: String

    /// `config`: a JSON config file's text, for keys without a flag.
    init(id: String, redis: String, config: String? = nil) throws {
        var arguments = ["serve", "--listen", "127.0.0.1:0", "--db", "data/node.sqlite", "--log-level", "warning", "--cluster-redis", redis]
        if let config {
            let path = NSTemporaryDirectory() + "wamp-push-cluster-\(UUID().uuidString).json"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            arguments += ["--config", path]
        }
        process = try ServerProcess(arguments: arguments, environment: ["WAMP_PUSH_CLUSTER_NODE_ID": id])
        guard let line = process.waitForLine(containing: "listening: http://") else {
            process.stop()
            throw E2EError.startup(process.stderr)
        }
        self.id = id
        http = String(line.split(separator: " ").last!.dropLast("/healthz".count))
    }

    func stop() {
        process.stop()
        process.removeDirectory()
    }

    func client() throws -> HTTPClient { try HTTPClient(baseURL: http) }

    /// `/healthz`'s `cluster` member (nil when the answer is not 200 JSON).
    func clusterHealth() -> String? {
        guard let response = try? client().request("GET", "/healthz"), response.status == 200,
              let json = try? JSONParser.parse(response.body) else { return nil }
        return json["cluster"]?.stringValue
    }

    /// A counter of `/metrics` (0 when absent).
    func metric(_ series: String) -> Double {
        guard let text = try? client().request("GET", "/metrics").bodyString() else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }

    /// `POST /internal/tokens`: the token made for `user`.
    func createToken(user: String) throws -> String {
        let response = try client().request("POST", "/internal/tokens", body: Array(#"{"userId":"\#(user)"}"#.utf8))
        guard response.status == 201, let token = (try? JSONParser.parse(response.body))?["token"]?.stringValue else {
            throw E2EError.startup("token not created: \(response.status) \(response.bodyString())")
        }
        return token
    }

    /// `POST /internal/publish` of a JSON body (one event or an array).
    @discardableResult
    func publish(_ body: String) throws -> String {
        try client().request("POST", "/internal/publish", body: Array(body.utf8)).bodyString()
    }

    /// A WAMP session of `user` subscribed to `topic`; retried (at most 10 s) while the token is
    /// not yet known here (it reaches the shared table within a second of being made).
    func session(token: String, user: String, topic: String) throws -> WebSocketClient {
        let url = http.replacingOccurrences(of: "http://", with: "ws://") + "/wss?authToken=\(token)&userId=\(user)"
        let deadline = Date().addingTimeInterval(10)
        var last = 0
        while Date() < deadline {
            let (socket, response) = try WebSocketClient.connect(url: url, protocols: ["wamp"], timeout: 5)
            last = response.status
            if let client = socket {
                _ = try client.receiveText(timeout: 5) // WELCOME
                try client.sendText(#"[5,"\#(topic)"]"#)
                try client.sendText(#"[2,"sync","urn:x"]"#)
                _ = try client.receiveText(timeout: 5) // CALLERROR: the SUBSCRIBE before it is in place
                return client
            }
            usleep(100_000)
        }
        throw E2EError.startup("session of \(user) on \(id) refused: \(last)")
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func within(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// The payload of an EVENT frame `[8, topic, payload]`.
func eventPayload(_ text: String) -> JSONValue? {
    guard let json = try? JSONParser.parse(Array(text.utf8)), let items = json.arrayValue, items.count == 3,
          items[0].int64Value == 8 else { return nil }
    return items[2]
}
