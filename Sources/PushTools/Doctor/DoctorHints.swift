import PushTransport
/// The fixes `doctor` suggests, worded once so tests and docs can quote them.
public enum DoctorHints {
    /// The nginx block that forwards the WebSocket upgrade to wamp-push (see `NginxBlock`).
    public static let nginxBlock = NginxBlock.text

    package static func nothingListens(_ authority: String) -> String {
        "nothing listens on \(authority): is wamp-push running? check listeners in the config (and the port in the URL)"
    }

    package static func proxyDoesNotForward(_ status: String) -> String {
        "a proxy in front of wamp-push does not forward WebSocket (it answered \(status) instead of 101). "
            + "Forward the upgrade, e.g. in nginx:\n" + nginxBlock
    }

    /// wamp-push got a plain GET: the proxy dropped `Upgrade`/`Connection` (the legacy stack).
    package static let upgradeHeadersDropped = "the proxy does not forward WebSocket: it drops the Upgrade and Connection headers "
        + "(nginx does unless told). Forward them, e.g. in nginx:\n" + nginxBlock

    /// The proxy spoke HTTP/1.0 to wamp-push (nginx's default without `proxy_http_version 1.1`).
    package static let proxyHTTP10 = "the proxy does not forward WebSocket: it speaks HTTP/1.0 to wamp-push, which cannot upgrade "
        + "(nginx: add proxy_http_version 1.1). The whole block:\n" + nginxBlock

    /// A 502 from the proxy: it has no working upstream.
    package static func proxyCannotReachUpstream(_ proxy: String) -> String {
        "\(proxy) cannot reach its upstream: is wamp-push running? is proxy_pass the right host:port "
            + "(wamp-push's plain listener, e.g. http://127.0.0.1:8080)? \(proxy)'s error.log names the cause "
            + "(Debian's nginx: /var/log/nginx/error.log). Once it reaches wamp-push, the block that forwards WebSocket:\n" + nginxBlock
    }

    /// A 504 from the proxy: the upstream accepted nothing or answered nothing in time.
    package static func proxyUpstreamTimeout(_ proxy: String) -> String {
        "\(proxy) timed out waiting for its upstream: check that proxy_pass points at wamp-push's plain listener "
            + "and that no firewall is in between (\(proxy)'s error.log names the address it tried). The block:\n" + nginxBlock
    }

    package static let selfSigned = "the certificate is self-signed: trust it with --cacert data/tls/cert.pem "
        + "(browsers: import it), or skip verification with --insecure"

    package static let quotaReached = "an authentication quota: too many failed logins or token checks from this address "
        + "(wait for Retry-After), or the user already holds limits.maxSessionsPerUser sessions (close some tabs); "
        + "see Docs/security.md, \"Authentication quotas\""

    package static func unknownToken(_ user: String) -> String {
        "unknown token or it belongs to another user (create one: wamp-push token create --user \(user))"
    }

    package static func revokedToken(_ user: String) -> String {
        "token revoked or expired (create a new one: wamp-push token create --user \(user))"
    }

    package static func undeclaredTopic(_ topic: String) -> String {
        "topic \(topic) is not declared on the server: add it to categories in the config"
    }

    package static let differentTopicNames = "the subscriber and the publisher use different topic names "
        + "(a topic declared on one side only): subscribe to the category the publisher uses, e.g. WhatsApp"

    /// The publish reached something that is not wamp-push (the CRM's nginx, typically).
    package static func notWampPush(proxied: String?) -> String {
        let why = proxied.map { "the WebSocket URL goes through a proxy (\($0)), so it is not wamp-push's direct URL; " } ?? ""
        return why + "pass --publish-url http://<wamp-push>:8080 (the address the proxy's proxy_pass names, "
            + "e.g. --publish-url http://127.0.0.1:8080 on the wamp-push host)"
    }

    /// A 403 from wamp-push's `/internal/publish`.
    package static let publishForbidden = "the --secret is wrong, or the server has no publishSecret and only trusts loopback peers. "
        + "Behind a proxy, loopback trust is off (the request carries Forwarded/X-Forwarded-For): pass --secret "
        + "(configure publishSecret), or use wamp-push's direct URL with --publish-url http://127.0.0.1:8080 on its host"
}
