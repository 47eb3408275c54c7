import Foundation
import Logging
import LoadGeneratorCore
import PushConfig
import PushServer
import PushStore
import PushTransport
import TestSupport

/// A real wamp-push on loopback port 0 (plain and TLS listeners) with a temporary database,
/// started inside the test, plus the BenchTarget that points the load generator at it.
final class BenchServer: @unchecked Sendable {
    let server: Server
    let directory: String
    let plain: SocketAddress
    let secure: SocketAddress

    /// `configure` adjusts the configuration before start (e.g. shorter deadlines for a soak).
    init(configure: (inout ServerConfig) -> Void = { _ in }) throws {
        directory = try makeTemporaryDirectory("wamp-push-bench-test-")
        var config = ServerConfig()
        config.dataDirectory = directory
        config.database = directory + "/test.sqlite"
        config.listeners = [
            .init(address: "127.0.0.1:0"),
            .init(address: "127.0.0.1:0", tls: .init(cert: "", key: "", generated: true)),
        ]
        var log = Logger(label: "bench-test")
        log.logLevel = .critical
        configure(&config)
        server = try Server(config: config, log: log)
        try server.start()
        plain = server.listeners.first { !$0.info.isTLS }?.boundAddress ?? server.listeners[0].boundAddress
        secure = server.listeners.first { $0.info.isTLS }?.boundAddress ?? server.listeners[0].boundAddress
    }

    func stop() {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func createToken(user: String) throws -> String {
        try server.store.sync { db in
            try TokenStore(database: db).create(userId: user, now: Int64(Date().timeIntervalSince1970))
        }
    }

    /// Where the load generator connects, as `user` with a fresh token.
    func target(user: String = "bench", tls: Bool = false) throws -> BenchTarget {
        let ws = try BenchURL(tls ? "wss://\(secure)/wss" : "ws://\(plain)/wss")
        return BenchTarget(url: ws, publishURL: try BenchURL("http://\(plain)"), token: try createToken(user: user), user: user,
                           serverPID: ProcessStats.currentPID)
    }
}
