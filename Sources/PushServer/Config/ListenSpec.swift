import PushConfig
import PushTransport

/// `--listen` and `WAMP_PUSH_LISTEN` values: `host:port` is plain; `tls://`, `wss://` or `https://`
/// in front asks for TLS (with `--tls-cert/--tls-key` or the generated development certificate).
public enum ListenSpec {
    public static func parse(_ text: String, key: String) throws(ConfigError) -> ServerConfig.Listener {
        var address = text
        var tls = false
        for prefix in ["tls://", "wss://", "https://"] where address.hasPrefix(prefix) {
            address.removeFirst(prefix.count)
            tls = true
        }
        for prefix in ["tcp://", "ws://", "http://"] where address.hasPrefix(prefix) {
            address.removeFirst(prefix.count)
        }
        do { _ = try SocketAddress.parse(address) } catch { throw ConfigError(key, error.description) }
        let files = tls ? ServerConfig.TLSFiles(cert: "data/tls/cert.pem", key: "data/tls/key.pem", generated: true) : nil
        return ServerConfig.Listener(address: address, tls: files)
    }
}
