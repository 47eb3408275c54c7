import PushCodec
import PushConfig
import PushTransport

/// The environment layer of the config: `WAMP_PUSH_*` variables over the file, under the flags
/// (Docs/configuration.md lists them), and the warnings for variables nobody reads.
extension ConfigLoader {
    /// `WAMP_PUSH_*` variables (see Docs/configuration.md for the list).
    public static func apply(environment env: [String: String], to config: inout ServerConfig) throws(ConfigError) {
        if let v = env["WAMP_PUSH_LISTEN"] {
            config.listeners = try v.split(separator: ",").map { item throws(ConfigError) in
                try ListenSpec.parse(String(item.trimmingSpaces()), key: "WAMP_PUSH_LISTEN")
            }
        }
        if let v = env["WAMP_PUSH_TLS_CERT"] { setTLS(&config, cert: v, key: nil) }
        if let v = env["WAMP_PUSH_TLS_KEY"] { setTLS(&config, cert: nil, key: v) }
        if let v = env["WAMP_PUSH_NO_TLS"], try boolean(v, "WAMP_PUSH_NO_TLS") { config.listeners.removeAll { $0.tls != nil } }
        if let v = env["WAMP_PUSH_DB"] { config.database = v }
        if let v = env["WAMP_PUSH_PUBLISH_SECRET"] { config.publishSecret = v.isEmpty ? nil : v }
        if let v = env["WAMP_PUSH_LOG_LEVEL"] { config.logLevel = v }
        if let v = env["WAMP_PUSH_DATA_DIR"] { config.dataDirectory = v }
        if let v = env["WAMP_PUSH_WHATSAPP_API_URL"] { config.whatsapp.apiUrl = v }
        if let v = env["WAMP_PUSH_WHATSAPP_API_KEY"] { config.whatsapp.apiKey = v }
        if let v = env["WAMP_PUSH_WHATSAPP_SESSION_ID"] { config.whatsapp.sessionId = v }
        if let v = env["WAMP_PUSH_WHATSAPP_WEBHOOK_SECRET"] { config.whatsapp.webhookSecret = v }
        if let v = env["WAMP_PUSH_ADMIN_USERS"] { config.auth.adminUsers = v.split(separator: ",").map { String($0.trimmingSpaces()) } }
        if let v = env["WAMP_PUSH_ECHO"] { config.diagnostics.echo = try boolean(v, "WAMP_PUSH_ECHO") }
        if let v = env["WAMP_PUSH_CONSOLE"] { config.diagnostics.console = try boolean(v, "WAMP_PUSH_CONSOLE") }
        if let v = env["WAMP_PUSH_ESPO_ZEROMQ"] { config.espo.zeroMQ = v.isEmpty ? nil : v }
        if let v = env["WAMP_PUSH_CLUSTER_REDIS"] { config.cluster.redis = v.isEmpty ? nil : v }
        if let v = env["WAMP_PUSH_CLUSTER_NODE_ID"] { config.cluster.nodeId = v.isEmpty ? nil : v }
        let numeric: [(String, WritableKeyPath<ServerConfig.Limits, Int>)] = [
            ("WAMP_PUSH_MAX_CONNECTIONS", \.maxConnections), ("WAMP_PUSH_MAX_FRAME_BYTES", \.maxFrameBytes),
            ("WAMP_PUSH_MAX_MESSAGE_BYTES", \.maxMessageBytes), ("WAMP_PUSH_MAX_REQUEST_BYTES", \.maxRequestBytes),
            ("WAMP_PUSH_SEND_BUFFER_BYTES", \.sendBufferBytes),
            ("WAMP_PUSH_RESERVED_DESCRIPTORS", \.reservedDescriptors), ("WAMP_PUSH_MAX_TOPIC_BYTES", \.maxTopicBytes),
            ("WAMP_PUSH_MAX_PREFIXES_PER_SESSION", \.maxPrefixesPerSession),
        ]
        for (name, path) in numeric {
            if let v = env[name] {
                guard let n = Int(v), n > 0 else { throw ConfigError(name, "must be a positive integer (got \"\(v)\")") }
                config.limits[keyPath: path] = n
            }
        }
        let quotas: [(String, WritableKeyPath<ServerConfig.Limits, Int>)] = [
            ("WAMP_PUSH_MAX_SESSIONS_PER_USER", \.maxSessionsPerUser),
            ("WAMP_PUSH_FAILED_AUTH_PER_ADDRESS_PER_MINUTE", \.failedAuthPerAddressPerMinute),
            ("WAMP_PUSH_VERIFIER_SPAWNS_PER_ADDRESS_PER_MINUTE", \.verifierSpawnsPerAddressPerMinute),
        ]
        for (name, path) in quotas {
            if let v = env[name] {
                guard let n = Int(v), n >= 0 else { throw ConfigError(name, "must be an integer ≥ 0, 0 meaning no limit (got \"\(v)\")") }
                config.limits[keyPath: path] = n
            }
        }
        let seconds: [(String, WritableKeyPath<ServerConfig.Limits, Double>)] = [
            ("WAMP_PUSH_HANDSHAKE_TIMEOUT_SECONDS", \.handshakeTimeoutSeconds),
            ("WAMP_PUSH_PING_INTERVAL_SECONDS", \.pingIntervalSeconds),
        ]
        for (name, path) in seconds {
            if let v = env[name] {
                guard let n = Double(v), n > 0 else { throw ConfigError(name, "must be a positive number of seconds (got \"\(v)\")") }
                config.limits[keyPath: path] = n
            }
        }
    }

    /// Every `WAMP_PUSH_*` variable anything reads: `apply(environment:)` above, the CLI's
    /// `WAMP_PUSH_CONFIG`, and the console browser test's screenshot path (a server it starts
    /// inherits it). Any other one is a typo: `environmentWarnings` names it.
    public static let environmentVariables: Set<String> = [
        "WAMP_PUSH_CONFIG", "WAMP_PUSH_LISTEN", "WAMP_PUSH_TLS_CERT", "WAMP_PUSH_TLS_KEY", "WAMP_PUSH_NO_TLS",
        "WAMP_PUSH_DB", "WAMP_PUSH_PUBLISH_SECRET", "WAMP_PUSH_LOG_LEVEL", "WAMP_PUSH_DATA_DIR",
        "WAMP_PUSH_WHATSAPP_API_URL", "WAMP_PUSH_WHATSAPP_API_KEY", "WAMP_PUSH_WHATSAPP_SESSION_ID",
        "WAMP_PUSH_WHATSAPP_WEBHOOK_SECRET", "WAMP_PUSH_ADMIN_USERS", "WAMP_PUSH_ECHO", "WAMP_PUSH_CONSOLE",
        "WAMP_PUSH_MAX_CONNECTIONS", "WAMP_PUSH_MAX_FRAME_BYTES", "WAMP_PUSH_MAX_MESSAGE_BYTES",
        "WAMP_PUSH_MAX_REQUEST_BYTES", "WAMP_PUSH_SEND_BUFFER_BYTES", "WAMP_PUSH_MAX_SESSIONS_PER_USER",
        "WAMP_PUSH_FAILED_AUTH_PER_ADDRESS_PER_MINUTE", "WAMP_PUSH_VERIFIER_SPAWNS_PER_ADDRESS_PER_MINUTE",
        "WAMP_PUSH_HANDSHAKE_TIMEOUT_SECONDS", "WAMP_PUSH_PING_INTERVAL_SECONDS", "WAMP_PUSH_CONSOLE_SCREENSHOT",
        "WAMP_PUSH_ESPO_ZEROMQ", "WAMP_PUSH_RESERVED_DESCRIPTORS", "WAMP_PUSH_MAX_TOPIC_BYTES", "WAMP_PUSH_MAX_PREFIXES_PER_SESSION",
        "WAMP_PUSH_CLUSTER_REDIS", "WAMP_PUSH_CLUSTER_NODE_ID",
    ]

    /// One line per unknown `WAMP_PUSH_*` variable in `env`, sorted, naming the closest known one.
    /// A warning, not an error: the variable changes nothing, and refusing to start would turn a
    /// stale line in a unit file into an outage.
    public static func environmentWarnings(_ env: [String: String]) -> [String] {
        let prefix = "WAMP_PUSH_"
        // Compared without the shared prefix, so a short name is held to a short typo.
        let known = environmentVariables.map { String($0.dropFirst(prefix.count)) }
        return env.keys.filter { $0.hasPrefix(prefix) && !environmentVariables.contains($0) }.sorted().map { name in
            let guess = Suggestion.closest(to: String(name.dropFirst(prefix.count)), among: known)
            return "unknown environment variable \(name); "
                + (guess.map { "did you mean \(prefix + $0)?" } ?? "it is ignored (Docs/configuration.md lists the known ones)")
        }
    }

    /// `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`, any case; empty is false (`VAR=` clears a
    /// flag). Anything else is refused: `ture` must not quietly mean false.
    private static func boolean(_ v: String, _ name: String) throws(ConfigError) -> Bool {
        switch v.lowercased() {
        case "1", "true", "yes", "on": return true
        case "", "0", "false", "no", "off": return false
        default: throw ConfigError(name, "must be 1, true, yes or on, or 0, false, no or off (got \"\(v)\")")
        }
    }

    /// Sets the certificate and/or key of every TLS listener (and gives plain default TLS ones files).
    public static func setTLS(_ config: inout ServerConfig, cert: String?, key: String?) {
        for i in config.listeners.indices where config.listeners[i].tls != nil {
            if let cert { config.listeners[i].tls?.cert = cert }
            if let key { config.listeners[i].tls?.key = key }
            config.listeners[i].tls?.generated = false
        }
    }
}
