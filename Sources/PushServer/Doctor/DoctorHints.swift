/// The fixes `doctor` suggests, worded once so tests and docs can quote them.
public enum DoctorHints {
    /// The nginx block that forwards the WebSocket upgrade to wamp-push.
    public static let nginxBlock = """
        location /wss {
            proxy_pass http://127.0.0.1:8080;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
            proxy_read_timeout 3600s;
        }
        """

    static func nothingListens(_ authority: String) -> String {
        "nothing listens on \(authority): is wamp-push running? check listeners in the config (and the port in the URL)"
    }

    static func proxyDoesNotForward(_ status: String) -> String {
        "a proxy in front of wamp-push does not forward WebSocket (it answered \(status) instead of 101). "
            + "Forward the upgrade, e.g. in nginx:\n" + nginxBlock
    }

    static let selfSigned = "the certificate is self-signed: trust it with --cacert data/tls/cert.pem "
        + "(browsers: import it), or skip verification with --insecure"

    static func unknownToken(_ user: String) -> String {
        "unknown token or it belongs to another user (create one: wamp-push token create --user \(user))"
    }

    static func revokedToken(_ user: String) -> String {
        "token revoked or expired (create a new one: wamp-push token create --user \(user))"
    }

    static func undeclaredTopic(_ topic: String) -> String {
        "topic \(topic) is not declared on the server: add it to categories in the config"
    }

    static let differentTopicNames = "the subscriber and the publisher use different topic names "
        + "(a topic declared on one side only): subscribe to the category the publisher uses, e.g. WhatsApp"
}
