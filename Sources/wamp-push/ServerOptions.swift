import ArgumentParser
import Foundation
import PushCodec
import PushConfig
import PushServer
import PushTransport

/// Options shared by every command that needs the server's configuration.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "JSON config file (every key optional; see Docs/configuration.md).")
    var config: String?

    @Option(name: .long, help: "Listener, repeatable: HOST:PORT for plain ws/http, tls://HOST:PORT for wss/https. Replaces the configured listeners.")
    var listen: [String] = []

    @Option(name: .long, help: "TLS certificate chain (PEM) for TLS listeners.")
    var tlsCert: String?

    @Option(name: .long, help: "TLS private key (PEM) for TLS listeners.")
    var tlsKey: String?

    @Flag(name: .long, help: "Drop every TLS listener (plain ws/http only).")
    var noTLS = false

    @Option(name: .long, help: "SQLite database path.")
    var db: String?

    @Option(name: .long, help: "Secret for POST /internal/publish (Authorization: Bearer ...).")
    var publishSecret: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(name: .customLong("espo-zeromq"), help: "Receive EspoCRM's ZeroMQ messages at this DSN, e.g. tcp://127.0.0.1:5555 (Docs/espocrm.md).")
    var espoZeroMQ: String?

    @Option(name: .long, help: "Join a cluster through this Redis: redis://[[user]:password@]host[:port][/db] or rediss://… (Docs/cluster.md).")
    var clusterRedis: String?

    /// Defaults < `base` (what `--espo-root` derived) < config file < WAMP_PUSH_* environment < flags.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment, base: JSONValue? = nil) throws -> ServerConfig {
        CommandLineErrors.warnAboutEnvironment(environment)
        var result = ServerConfig()
        do {
            if let base { try ConfigLoader.apply(json: base, to: &result) }
            if let path = config ?? environment["WAMP_PUSH_CONFIG"] {
                try ConfigLoader.apply(file: path, to: &result)
            }
            try ConfigLoader.apply(environment: environment, to: &result)
            if !listen.isEmpty {
                result.listeners = try listen.map { spec throws(ConfigError) in try ListenSpec.parse(spec, key: "--listen") }
            }
            if tlsCert != nil || tlsKey != nil { ConfigLoader.setTLS(&result, cert: tlsCert, key: tlsKey) }
            if noTLS { result.listeners.removeAll { $0.tls != nil } }
            if let db { result.database = db }
            if let publishSecret { result.publishSecret = publishSecret }
            if let logLevel { result.logLevel = logLevel }
            if let espoZeroMQ { result.espo.zeroMQ = espoZeroMQ }
            if let clusterRedis { result.cluster.redis = clusterRedis.isEmpty ? nil : clusterRedis }
            try ConfigLoader.validate(result)
        } catch {
            throw ValidationError(error.description)
        }
        return result
    }
}
