import Foundation
import PushCodec
import PushConfig
import PushTransport

/// Reads the JSON config file and `WAMP_PUSH_*` variables into a `ServerConfig`. Strict on
/// purpose: an unknown key or a wrong type is an error naming the key, never silently ignored.
public enum ConfigLoader {
    /// Applies the file at `path` on top of `config`.
    public static func apply(file path: String, to config: inout ServerConfig) throws(ConfigError) {
        let data = try ConfigFile.read(path)
        let root: JSONValue
        do { root = try JSONParser.parse(data) } catch {
            throw ConfigError("", "\(path) is not valid JSON: \(error.message)")
        }
        try apply(json: root, to: &config)
    }

    public static func apply(json root: JSONValue, to config: inout ServerConfig) throws(ConfigError) {
        let top = try object(root, "")
        try allowOnly(top, "", ["listeners", "database", "publishSecret", "categories", "whatsapp", "auth",
                                "accessCheck", "limits", "logLevel", "diagnostics", "dataDirectory", "cluster", "espo"])
        if let value = top["listeners"] { config.listeners = try listeners(value) }
        if let value = top["database"] { config.database = try string(value, "database") }
        if let value = top["publishSecret"] { config.publishSecret = try optionalString(value, "publishSecret") }
        if let value = top["dataDirectory"] { config.dataDirectory = try string(value, "dataDirectory") }
        if let value = top["logLevel"] { config.logLevel = try string(value, "logLevel") }
        if let value = top["categories"] { config.categories = try categories(value) }
        if let value = top["whatsapp"] { try whatsapp(value, &config.whatsapp) }
        if let value = top["auth"] { try auth(value, &config.auth) }
        if let value = top["accessCheck"] { try accessCheck(value, &config.accessCheck) }
        if let value = top["limits"] { try limits(value, &config.limits) }
        if let value = top["diagnostics"] {
            let o = try object(value, "diagnostics")
            try allowOnly(o, "diagnostics", ["echo", "console"])
            if let v = o["echo"] { config.diagnostics.echo = try bool(v, "diagnostics.echo") }
            if let v = o["console"] { config.diagnostics.console = try bool(v, "diagnostics.console") }
        }
        if let value = top["espo"] { try espo(value, &config.espo) }
        if let value = top["cluster"] { try cluster(value, &config.cluster) }
    }

    /// Cross-field checks run after every layer has been applied.
    public static func validate(_ config: ServerConfig) throws(ConfigError) {
        guard !config.listeners.isEmpty else { throw ConfigError("listeners", "at least one listener is required") }
        for (i, listener) in config.listeners.enumerated() {
            do { _ = try SocketAddress.parse(listener.address) } catch {
                throw ConfigError("listeners[\(i)].address", error.description)
            }
        }
        guard ServerConfig.logLevels.contains(config.logLevel) else {
            throw ConfigError("logLevel", "must be one of \(ServerConfig.logLevels.joined(separator: ", ")) (got \"\(config.logLevel)\")")
        }
        let l = config.limits
        if l.maxFrameBytes > l.maxMessageBytes {
            throw ConfigError("limits.maxFrameBytes", "must not exceed limits.maxMessageBytes (\(l.maxFrameBytes) > \(l.maxMessageBytes))")
        }
        if l.maxFrameBytes < 125 { throw ConfigError("limits.maxFrameBytes", "must be at least 125 (control frames)") }
        if l.sendBufferBytes < 4096 { throw ConfigError("limits.sendBufferBytes", "must be at least 4096") }
        if l.outputHighWatermarkBytes > l.sendBufferBytes {
            throw ConfigError("limits.outputHighWatermarkBytes",
                              "must not exceed limits.sendBufferBytes (\(l.outputHighWatermarkBytes) > \(l.sendBufferBytes))")
        }
        try validateResourceLimits(config)
        if l.outputLowWatermarkBytes >= l.outputHighWatermarkBytes {
            throw ConfigError("limits.outputLowWatermarkBytes",
                              "must be below limits.outputHighWatermarkBytes (\(l.outputLowWatermarkBytes) ≥ \(l.outputHighWatermarkBytes))")
        }
        // User ids as tokens name them: EspoCRM strips them to [A-Za-z0-9-], so nothing else could match.
        for (i, id) in config.auth.adminUsers.enumerated()
        where id.isEmpty || !id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }) {
            throw ConfigError("auth.adminUsers[\(i)]", "must be a user id of letters, digits and '-' (got \"\(id)\")")
        }
        try validateCluster(config.cluster)
        if let secret = config.publishSecret, secret.isEmpty {
            throw ConfigError("publishSecret", "must not be empty (omit it to allow loopback publishers only)")
        }
        try validateEspo(config)
    }

    // MARK: Sections

    private static func listeners(_ value: JSONValue) throws(ConfigError) -> [ServerConfig.Listener] {
        guard let items = value.arrayValue else { throw ConfigError("listeners", "must be an array of {\"address\", \"tls\"?} objects") }
        var out: [ServerConfig.Listener] = []
        for (i, item) in items.enumerated() {
            let key = "listeners[\(i)]"
            let o = try object(item, key)
            try allowOnly(o, key, ["address", "tls"])
            guard let addressValue = o["address"] else { throw ConfigError("\(key).address", "is required") }
            let address = try string(addressValue, "\(key).address")
            var tls: ServerConfig.TLSFiles?
            if let t = o["tls"], !t.isNull {
                let to = try object(t, "\(key).tls")
                try allowOnly(to, "\(key).tls", ["cert", "key"])
                guard let c = to["cert"] else { throw ConfigError("\(key).tls.cert", "is required") }
                guard let k = to["key"] else { throw ConfigError("\(key).tls.key", "is required") }
                tls = ServerConfig.TLSFiles(cert: try string(c, "\(key).tls.cert"), key: try string(k, "\(key).tls.key"))
            }
            out.append(ServerConfig.Listener(address: address, tls: tls))
        }
        return out
    }

    private static func categories(_ value: JSONValue) throws(ConfigError) -> [String: ServerConfig.Category] {
        let o = try object(value, "categories")
        var out: [String: ServerConfig.Category] = [:]
        for member in o.members {
            let key = "categories.\(member.key)"
            guard !member.key.isEmpty else { throw ConfigError("categories", "a category name must not be empty") }
            let c = try object(member.value, key)
            try allowOnly(c, key, ["paramList", "accessCheckCommand", "clientPublish"])
            var category = ServerConfig.Category()
            if let p = c["paramList"] {
                guard let list = p.arrayValue else { throw ConfigError("\(key).paramList", "must be an array of strings") }
                category.paramList = try list.enumerated().map { (j, v) throws(ConfigError) in try string(v, "\(key).paramList[\(j)]") }
            }
            if let a = c["accessCheckCommand"] { category.accessCheckCommand = try optionalString(a, "\(key).accessCheckCommand") }
            if let b = c["clientPublish"] { category.clientPublish = try bool(b, "\(key).clientPublish") }
            out[member.key] = category
        }
        return out
    }

    private static func whatsapp(_ value: JSONValue, _ w: inout ServerConfig.WhatsApp) throws(ConfigError) {
        let o = try object(value, "whatsapp")
        try allowOnly(o, "whatsapp", ["apiUrl", "apiKey", "sessionId", "webhookSecret", "timeoutSeconds"])
        if let v = o["timeoutSeconds"] { w.timeoutSeconds = try number(v, "whatsapp.timeoutSeconds", min: 0.001) }
        if let v = o["apiUrl"] { w.apiUrl = try optionalString(v, "whatsapp.apiUrl") }
        if let v = o["apiKey"] { w.apiKey = try optionalString(v, "whatsapp.apiKey") }
        if let v = o["sessionId"] { w.sessionId = try string(v, "whatsapp.sessionId") }
        if let v = o["webhookSecret"] { w.webhookSecret = try optionalString(v, "whatsapp.webhookSecret") }
    }

    private static func auth(_ value: JSONValue, _ a: inout ServerConfig.Auth) throws(ConfigError) {
        let o = try object(value, "auth")
        try allowOnly(o, "auth", ["verifyCommand", "workingDirectory", "cacheSeconds", "timeoutSeconds", "adminUsers", "maxConcurrent"])
        if let v = o["maxConcurrent"] { a.maxConcurrent = try positiveInt(v, "auth.maxConcurrent") }
        if let v = o["verifyCommand"] { a.verifyCommand = try optionalString(v, "auth.verifyCommand") }
        if let v = o["workingDirectory"] { a.workingDirectory = try optionalString(v, "auth.workingDirectory") }
        if let v = o["cacheSeconds"] { a.cacheSeconds = try number(v, "auth.cacheSeconds", min: 0) }
        if let v = o["timeoutSeconds"] { a.timeoutSeconds = try number(v, "auth.timeoutSeconds", min: 0.001) }
        if let v = o["adminUsers"] { a.adminUsers = try userIds(v, "auth.adminUsers") }
        if let command = a.verifyCommand, !command.contains(":token") {
            throw ConfigError("auth.verifyCommand", "must contain the placeholder :token")
        }
    }

    private static func accessCheck(_ value: JSONValue, _ a: inout ServerConfig.AccessCheck) throws(ConfigError) {
        let o = try object(value, "accessCheck")
        try allowOnly(o, "accessCheck", ["commandPrefix", "workingDirectory", "timeoutSeconds", "maxConcurrent",
                                          "maxQueued", "maxQueuedPerUser", "maxPendingPerSession"])
        if let v = o["maxConcurrent"] { a.maxConcurrent = try positiveInt(v, "accessCheck.maxConcurrent") }
        if let v = o["maxQueued"] { a.maxQueued = try positiveInt(v, "accessCheck.maxQueued") }
        if let v = o["maxQueuedPerUser"] { a.maxQueuedPerUser = try positiveInt(v, "accessCheck.maxQueuedPerUser") }
        if let v = o["maxPendingPerSession"] { a.maxPendingPerSession = try positiveInt(v, "accessCheck.maxPendingPerSession") }
        if let v = o["commandPrefix"] { a.commandPrefix = try optionalString(v, "accessCheck.commandPrefix") }
        if let v = o["workingDirectory"] { a.workingDirectory = try optionalString(v, "accessCheck.workingDirectory") }
        if let v = o["timeoutSeconds"] { a.timeoutSeconds = try number(v, "accessCheck.timeoutSeconds", min: 0.001) }
    }

    private static func limits(_ value: JSONValue, _ l: inout ServerConfig.Limits) throws(ConfigError) {
        let o = try object(value, "limits")
        try allowOnly(o, "limits", ["maxConnections", "maxFrameBytes", "maxMessageBytes", "maxRequestBytes",
                                    "handshakeTimeoutSeconds", "pingIntervalSeconds", "sendBufferBytes",
                                    "idleTimeoutSeconds", "requestTimeoutSeconds", "closeTimeoutSeconds",
                                    "drainTimeoutSeconds", "lingerTimeoutSeconds",
                                    "outputHighWatermarkBytes", "outputLowWatermarkBytes", "maxSubscriptionsPerSession",
                                    "maxConnectionsPerAddress", "addressLimitsExemptLoopback",
                                    "maxSessionsPerUser", "failedAuthPerAddressPerMinute", "verifierSpawnsPerAddressPerMinute",
                                    "zeroMQReceiveHighWaterMark", "zeroMQMaxMessageBytes",
                                    "reservedDescriptors", "maxTopicBytes", "maxPrefixesPerSession", "socketUnsentBytes", "logQueueBytes"])
        try authQuotaLimits(o, &l)
        try zeroMQLimits(o, &l)
        if let v = o["maxConnections"] { l.maxConnections = try positiveInt(v, "limits.maxConnections") }
        if let v = o["maxFrameBytes"] { l.maxFrameBytes = try positiveInt(v, "limits.maxFrameBytes") }
        if let v = o["maxMessageBytes"] { l.maxMessageBytes = try positiveInt(v, "limits.maxMessageBytes") }
        if let v = o["maxRequestBytes"] { l.maxRequestBytes = try positiveInt(v, "limits.maxRequestBytes") }
        if let v = o["sendBufferBytes"] { l.sendBufferBytes = try positiveInt(v, "limits.sendBufferBytes") }
        if let v = o["handshakeTimeoutSeconds"] { l.handshakeTimeoutSeconds = try number(v, "limits.handshakeTimeoutSeconds", min: 0.001) }
        if let v = o["pingIntervalSeconds"] { l.pingIntervalSeconds = try number(v, "limits.pingIntervalSeconds", min: 0.001) }
        let seconds: [(String, WritableKeyPath<ServerConfig.Limits, Double>)] = [
            ("idleTimeoutSeconds", \.idleTimeoutSeconds), ("requestTimeoutSeconds", \.requestTimeoutSeconds),
            ("closeTimeoutSeconds", \.closeTimeoutSeconds), ("drainTimeoutSeconds", \.drainTimeoutSeconds),
            ("lingerTimeoutSeconds", \.lingerTimeoutSeconds),
        ]
        for (key, path) in seconds {
            if let v = o[key] { l[keyPath: path] = try number(v, "limits." + key, min: 0.001) }
        }
        if let v = o["outputHighWatermarkBytes"] { l.outputHighWatermarkBytes = try positiveInt(v, "limits.outputHighWatermarkBytes") }
        if let v = o["outputLowWatermarkBytes"] { l.outputLowWatermarkBytes = try positiveInt(v, "limits.outputLowWatermarkBytes") }
        if let v = o["maxSubscriptionsPerSession"] { l.maxSubscriptionsPerSession = try positiveInt(v, "limits.maxSubscriptionsPerSession") }
        try resourceLimits(o, &l)
        if let v = o["maxConnectionsPerAddress"] {
            l.maxConnectionsPerAddress = v.int64Value == 0 ? 0 : try positiveInt(v, "limits.maxConnectionsPerAddress")
        }
        if let v = o["addressLimitsExemptLoopback"] { l.addressLimitsExemptLoopback = try bool(v, "limits.addressLimitsExemptLoopback") }
    }

    /// The authentication quotas: 0 turns one off, so these accept 0 (unlike the other limits).
    private static func authQuotaLimits(_ o: JSONObject, _ l: inout ServerConfig.Limits) throws(ConfigError) {
        let keys: [(String, WritableKeyPath<ServerConfig.Limits, Int>)] = [
            ("maxSessionsPerUser", \.maxSessionsPerUser), ("failedAuthPerAddressPerMinute", \.failedAuthPerAddressPerMinute),
            ("verifierSpawnsPerAddressPerMinute", \.verifierSpawnsPerAddressPerMinute),
        ]
        for (name, path) in keys {
            guard let v = o[name] else { continue }
            guard let n = v.int64Value, n >= 0, n <= Int64(Int32.max) else {
                throw ConfigError("limits.\(name)", "must be an integer ≥ 0, 0 meaning no limit (got \(v.jsonString))")
            }
            l[keyPath: path] = Int(n)
        }
    }

    // MARK: Typed readers, each naming the key on failure

    static func object(_ v: JSONValue, _ key: String) throws(ConfigError) -> JSONObject {
        guard let o = v.objectValue else { throw ConfigError(key, "must be an object (got \(kind(v)))") }
        return o
    }

    static func allowOnly(_ o: JSONObject, _ key: String, _ allowed: Set<String>) throws(ConfigError) {
        for k in o.keys where !allowed.contains(k) {
            let path = key.isEmpty ? k : "\(key).\(k)"
            throw ConfigError(path, "unknown key\(Suggestion.didYouMean(k, among: allowed)) (allowed here: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    static func string(_ v: JSONValue, _ key: String) throws(ConfigError) -> String {
        guard let s = v.stringValue else { throw ConfigError(key, "must be a string (got \(kind(v)))") }
        return s
    }

    static func optionalString(_ v: JSONValue, _ key: String) throws(ConfigError) -> String? {
        if v.isNull { return nil }
        return try string(v, key)
    }

    private static func bool(_ v: JSONValue, _ key: String) throws(ConfigError) -> Bool {
        guard let b = v.boolValue else { throw ConfigError(key, "must be true or false (got \(kind(v)))") }
        return b
    }

    static func positiveInt(_ v: JSONValue, _ key: String) throws(ConfigError) -> Int {
        guard let n = v.int64Value, n > 0, n <= Int64(Int32.max) * 4 else {
            throw ConfigError(key, "must be a positive integer (got \(v.jsonString))")
        }
        return Int(n)
    }

    private static func number(_ v: JSONValue, _ key: String, min: Double) throws(ConfigError) -> Double {
        guard let d = v.doubleValue, d >= min, d.isFinite else {
            throw ConfigError(key, "must be a number ≥ \(min) (got \(v.jsonString))")
        }
        return d
    }

    private static func userIds(_ v: JSONValue, _ key: String) throws(ConfigError) -> [String] {
        guard let items = v.arrayValue else { throw ConfigError(key, "must be an array of user ids (got \(kind(v)))") }
        return try items.enumerated().map { (i, item) throws(ConfigError) in try string(item, "\(key)[\(i)]") }
    }

    private static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
