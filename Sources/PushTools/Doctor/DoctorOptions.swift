import PushClient
import PushConfig

/// What `wamp-push doctor` checks and how.
public struct DoctorOptions: Sendable {
    /// The WebSocket URL a browser uses, e.g. `wss://host:8443/wss`.
    public var url: String
    public var user: String
    public var token: String
    /// Accept any certificate (the TLS step still reports what is wrong with it).
    public var insecure: Bool
    /// A PEM file of certificates to trust (e.g. the development `data/tls/cert.pem`).
    public var caFile: String?
    public var topic: String
    /// Base URL of `/internal/publish`; derived from `url` when nil (see `derivedPublishURL`).
    public var publishURL: String?
    /// Sent as `Authorization: Bearer <secret>` to `/internal/publish`.
    public var secret: String?
    /// Budget of the connect, TLS, upgrade and WELCOME steps, in seconds.
    public var timeout: Double
    /// How long the published EVENT may take to come back, in seconds.
    public var eventTimeout: Double

    /// Creates options with the defaults of the CLI.
    public init(url: String, user: String, token: String, insecure: Bool = false, caFile: String? = nil,
                topic: String = ServerConfig.whatsAppCategory, publishURL: String? = nil, secret: String? = nil,
                timeout: Double = 5, eventTimeout: Double = 1) {
        self.url = url
        self.user = user
        self.token = token
        self.insecure = insecure
        self.caFile = caFile
        self.topic = topic
        self.publishURL = publishURL
        self.secret = secret
        self.timeout = timeout
        self.eventTimeout = eventTimeout
    }

    /// The publish base URL when none is given: the conventional pair 8443 (wss) → 8080 (http),
    /// else the same host and port with http or https.
    public static func derivedPublishURL(from url: ClientURL) -> String {
        let host = url.host.contains(":") ? "[\(url.host)]" : url.host
        if url.port == 8443 { return "http://\(host):8080" }
        return "\(url.isSecure ? "https" : "http")://\(host):\(url.port)"
    }
}
