import PushCodec
import PushConfig

/// Resource limits: the descriptor reserve behind the connection cap, the kernel's unsent
/// bytes per connection, the log queue, and the bounds on what one WAMP session may keep
/// (topic length, CURIE prefixes). Docs/security.md says what each refusal returns.
extension ConfigLoader {
    /// `limits.<key>` in the config file; each a positive integer.
    static var resourceLimitKeys: [(String, WritableKeyPath<ServerConfig.Limits, Int>)] { [
        ("reservedDescriptors", \.reservedDescriptors), ("maxTopicBytes", \.maxTopicBytes),
        ("maxPrefixesPerSession", \.maxPrefixesPerSession), ("socketUnsentBytes", \.socketUnsentBytes),
        ("logQueueBytes", \.logQueueBytes),
    ] }

    /// Reads those keys from the `limits` object of the config file.
    static func resourceLimits(_ o: JSONObject, _ l: inout ServerConfig.Limits) throws(ConfigError) {
        for (key, path) in resourceLimitKeys {
            if let v = o[key] { l[keyPath: path] = try positiveInt(v, "limits." + key) }
        }
    }

    /// A smaller reserve would leave the command runners (up to four descriptors per command
    /// while it starts) and the store competing with connections for the last descriptors.
    static func minimumReservedDescriptors(_ config: ServerConfig) -> Int {
        32 + 4 * (config.auth.maxConcurrent + config.accessCheck.maxConcurrent)
    }

    /// The kernel's share of a slow peer's cost (TCP_NOTSENT_LOWAT): below a few KiB every
    /// burst would wait for the writable edge; above 16 MiB it stops being a bound.
    static let socketUnsentRange = 4096...16_777_216

    /// From a few hundred lines (below that a burst of warnings is dropped before the writer
    /// runs) to 64 MiB: a larger queue would only hide a log pipe that is not being read.
    static let logQueueRange = 16_384...67_108_864

    /// `recordUpdate.<Scope>.<17-character id>` and WhatsApp chat topics fit well below this.
    static let minimumTopicBytes = 64

    static func validateResourceLimits(_ config: ServerConfig) throws(ConfigError) {
        let l = config.limits
        let reserveNeeded = minimumReservedDescriptors(config)
        if l.reservedDescriptors < reserveNeeded {
            throw ConfigError("limits.reservedDescriptors", "must be at least \(reserveNeeded): 32, plus 4 for each command that may run "
                + "at once (auth.maxConcurrent + accessCheck.maxConcurrent), or those run out of descriptors first (got \(l.reservedDescriptors))")
        }
        if !socketUnsentRange.contains(l.socketUnsentBytes) {
            throw ConfigError("limits.socketUnsentBytes",
                              "must be between \(socketUnsentRange.lowerBound) and \(socketUnsentRange.upperBound) (got \(l.socketUnsentBytes))")
        }
        if !logQueueRange.contains(l.logQueueBytes) {
            throw ConfigError("limits.logQueueBytes",
                              "must be between \(logQueueRange.lowerBound) and \(logQueueRange.upperBound) (got \(l.logQueueBytes))")
        }
        if l.maxTopicBytes < minimumTopicBytes {
            throw ConfigError("limits.maxTopicBytes",
                              "must be at least \(minimumTopicBytes), EspoCRM's own topics need that much (got \(l.maxTopicBytes))")
        }
    }
}
