import Foundation
import PushCluster
import PushCodec
import PushConfig

/// The cluster keys: `cluster.redis`, `channelPrefix`, `nodeId`, `whatsAppNode`, `tlsCAFile` (Docs/cluster.md).
extension ConfigLoader {
    static func cluster(_ value: JSONValue, _ c: inout ServerConfig.Cluster) throws(ConfigError) {
        let o = try object(value, "cluster")
        try allowOnly(o, "cluster", ["redis", "channelPrefix", "nodeId", "whatsAppNode", "tlsCAFile"])
        if let v = o["tlsCAFile"] { c.tlsCAFile = try optionalString(v, "cluster.tlsCAFile") }
        if let v = o["redis"] { c.redis = try optionalString(v, "cluster.redis") }
        if let v = o["channelPrefix"] { c.channelPrefix = try string(v, "cluster.channelPrefix") }
        if let v = o["nodeId"] { c.nodeId = try optionalString(v, "cluster.nodeId") }
        if let v = o["whatsAppNode"] { c.whatsAppNode = try optionalString(v, "cluster.whatsAppNode") }
    }

    /// The URL as the Redis client reads it, and names that go into channel names and envelopes.
    static func validateCluster(_ c: ServerConfig.Cluster) throws(ConfigError) {
        if let url = c.redis {
            do { _ = try RedisURL(parsing: url) } catch { throw ConfigError("cluster.redis", error.description) }
        }
        let name: (String) -> Bool = { !$0.isEmpty && $0.count <= 64 && $0.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.:".unicodeScalars.contains($0)) } }
        if !name(c.channelPrefix) {
            throw ConfigError("cluster.channelPrefix", "must be 1-64 characters of letters, digits and - _ . : (got \"\(c.channelPrefix.prefix(80))\")")
        }
        for (key, value) in [("cluster.nodeId", c.nodeId), ("cluster.whatsAppNode", c.whatsAppNode)] {
            if let value, !name(value) {
                throw ConfigError(key, "must be 1-64 characters of letters, digits and - _ . : (got \"\(value.prefix(80))\")")
            }
        }
    }
}
