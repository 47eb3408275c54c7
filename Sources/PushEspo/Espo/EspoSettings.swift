import Foundation
import PushCodec

/// The CRM's WebSocket settings that a wamp-push config is made from, each with EspoCRM's own
/// default when the CRM's config does not set it (`ServerStarter`, `ZeroMQSubscriber`).
struct EspoSettings: Equatable {
    static let defaultSubscriberDsn = "tcp://127.0.0.1:5555"
    static let defaultSubmissionDsn = "tcp://localhost:5555"

    var phpExecutablePath: String?
    var useWebSocket: Bool?
    var messager: String?
    var subscriberDsn: String?
    var submissionDsn: String?
    var port: Int?
    var useSecureServer = false
    var certificateFile: String?
    var privateKeyFile: String?
    var passphraseSet = false
    var webSocketUrl: String?
    var siteUrl: String?

    /// Settings from the values PHP printed; a value of the wrong kind is one line naming the key.
    init(values: JSONObject) throws(EspoConfigError) {
        phpExecutablePath = try Self.string(values, "phpExecutablePath")
        useWebSocket = values["useWebSocket"].map(Self.truthy)
        messager = try Self.string(values, "webSocketMessager")
        subscriberDsn = try Self.string(values, "webSocketZeroMQSubscriberDsn")
        submissionDsn = try Self.string(values, "webSocketZeroMQSubmissionDsn")
        useSecureServer = values["webSocketUseSecureServer"].map(Self.truthy) ?? false
        certificateFile = try Self.string(values, "webSocketSslCertificateFile")
        privateKeyFile = try Self.string(values, "webSocketSslCertificateLocalPrivateKey")
        passphraseSet = values["webSocketSslCertificatePassphraseSet"]?.boolValue ?? false
        webSocketUrl = try Self.string(values, "webSocketUrl")
        siteUrl = try Self.string(values, "siteUrl")
        if let raw = values["webSocketPort"], Self.truthy(raw) {
            let text = raw.stringValue ?? raw.int64Value.map(String.init) ?? raw.jsonString
            guard let port = Int(text), (1...65535).contains(port) else {
                throw EspoConfigError("webSocketPort in the CRM's config must be a port number (got \(raw.jsonString))")
            }
            self.port = port
        }
    }

    /// Nothing read: every value is EspoCRM's default.
    init() {}

    /// The listener port EspoCRM would use: `webSocketPort`, else 8443 with TLS and 8080 without.
    var effectivePort: Int { port ?? (useSecureServer ? 8443 : 8080) }

    /// Whether browsers open their WebSocket straight to the listener port (so it must listen on
    /// every interface), as EspoCRM's client (`web-socket-manager.js`) builds its URL: from
    /// `webSocketUrl` when set; else from `siteUrl`, `wss://host:443/wss` for https (the web
    /// server's port: a proxy) and `ws://host:8080` for http (the port itself). Nil: unknown.
    var browsersConnectDirectly: (direct: Bool, why: String)? {
        let port = effectivePort
        if let url = webSocketUrl {
            let explicit = URLComponents(string: url)?.port
            return explicit == port
                ? (true, "webSocketUrl \(url) names port \(port)")
                : (false, "webSocketUrl \(url) goes through the web server")
        }
        guard let site = siteUrl else { return nil }
        if site.lowercased().hasPrefix("https://") { return (false, "EspoCRM's client dials wss://<site>:443/wss (siteUrl is https)") }
        return (port == 8080, "EspoCRM's client dials ws://<site>:8080 (siteUrl is http, no webSocketUrl)")
    }

    /// PHP's `(bool)` cast: false for false, 0, "", "0", null and [].
    static func truthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n.double.map { $0 != 0 } ?? true
        case .string(let s): return !(s.isEmpty || s == "0")
        case .array(let items): return !items.isEmpty
        case .object: return true
        }
    }

    /// A string setting; null or "" count as unset (EspoCRM tests them with `?:`/`if (!...)`).
    private static func string(_ values: JSONObject, _ key: String) throws(EspoConfigError) -> String? {
        guard let value = values[key], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw EspoConfigError("\(key) in the CRM's config must be a string (got \(value.jsonString))")
        }
        return text.isEmpty ? nil : text
    }
}
