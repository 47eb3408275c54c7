import Foundation
import Logging
import PushClient
@testable import PushConfig
@testable import PushServer
import PushStore
import PushTransport
import TestSupport

/// A real server on loopback port 0 (one plain and one TLS listener), with a temporary data
/// directory and database, started inside the test and stopped by `stop()`.
final class TestServer: @unchecked Sendable {
    let server: Server
    let directory: String
    let plain: SocketAddress
    let secure: SocketAddress

    init(log captured: Logger? = nil, _ configure: (inout ServerConfig) -> Void = { _ in }) throws {
        directory = try makeTemporaryDirectory("wamp-push-test-")
        var config = ServerConfig()
        config.dataDirectory = directory
        config.database = directory + "/test.sqlite"
        config.listeners = [
            .init(address: "127.0.0.1:0"),
            .init(address: "127.0.0.1:0", tls: .init(cert: "", key: "", generated: true)),
        ]
        config.diagnostics.echo = true
        configure(&config)
        var log = captured ?? Logger(label: "test")
        if captured == nil { log.logLevel = .critical }
        server = try Server(config: config, log: log)
        try server.start()
        plain = server.listeners.first { !$0.info.isTLS }?.boundAddress ?? server.listeners[0].boundAddress
        secure = server.listeners.first { $0.info.isTLS }?.boundAddress ?? server.listeners[0].boundAddress
    }

    func stop() {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var certificatePath: String { directory + "/tls/cert.pem" }
    var httpURL: String { "http://\(plain)" }
    var httpsURL: String { "https://\(secure)" }

    func wsURL(_ path: String = "/wss", tls: Bool = false) -> String {
        tls ? "wss://\(secure)\(path)" : "ws://\(plain)\(path)"
    }

    /// A client TLS context that trusts the generated development certificate.
    func clientTLS() throws -> TLSContext { try TLSContext.client(verifyPeer: true, caFile: certificatePath) }

    /// Creates a token in the server's table.
    func createToken(user: String, expiresAt: Int64? = nil) throws -> String {
        try server.store.sync { db in
            try TokenStore(database: db).create(userId: user, expiresAt: expiresAt, now: Int64(Date().timeIntervalSince1970))
        }
    }

    /// Opens a WAMP session the way AutobahnJS does and returns it after WELCOME.
    func wamp(user: String, token: String, tls: Bool = false) throws -> WAMPTestClient {
        try WAMPTestClient(url: wsURL("/wss?authToken=\(token)&userId=\(user)", tls: tls), tls: tls ? clientTLS() : nil)
    }
}
