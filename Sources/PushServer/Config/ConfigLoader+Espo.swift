import PushCodec
import PushConfig
import PushEspo

/// The EspoCRM keys: `espo.zeroMQ` and the ZeroMQ ingress limits (Docs/espocrm.md).
extension ConfigLoader {
    static func espo(_ value: JSONValue, _ e: inout ServerConfig.Espo) throws(ConfigError) {
        let o = try object(value, "espo")
        try allowOnly(o, "espo", ["zeroMQ"])
        if let v = o["zeroMQ"] { e.zeroMQ = try optionalString(v, "espo.zeroMQ") }
    }

    static func zeroMQLimits(_ o: JSONObject, _ l: inout ServerConfig.Limits) throws(ConfigError) {
        if let v = o["zeroMQReceiveHighWaterMark"] {
            l.zeroMQReceiveHighWaterMark = try positiveInt(v, "limits.zeroMQReceiveHighWaterMark")
        }
        if let v = o["zeroMQMaxMessageBytes"] { l.zeroMQMaxMessageBytes = try positiveInt(v, "limits.zeroMQMaxMessageBytes") }
    }

    /// The DSN is checked here, so a bad one stops start-up with the key named, before any bind.
    static func validateEspo(_ config: ServerConfig) throws(ConfigError) {
        if let dsn = config.espo.zeroMQ {
            do { _ = try ZeroMQEndpoint.parse(dsn) } catch { throw ConfigError("espo.zeroMQ", error.description) }
        }
        if config.limits.zeroMQReceiveHighWaterMark > Int(Int32.max) {
            throw ConfigError("limits.zeroMQReceiveHighWaterMark", "must be at most \(Int32.max)")
        }
        if config.limits.zeroMQMaxMessageBytes > Int(Int32.max) {
            throw ConfigError("limits.zeroMQMaxMessageBytes", "must be at most \(Int32.max) (libzmq refuses messages above twice it)")
        }
    }
}
