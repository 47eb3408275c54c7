/// Who is answering: wamp-push names itself in the `Server` header of every HTTP answer and of
/// its `101`, so a client (`doctor`) can tell wamp-push's answer from a proxy's. nginx replaces
/// `Server` with its own, which is exactly the signal: behind nginx the header says `nginx`.
public enum ServerIdentity {
    /// The release version (the CLI's `--version`).
    public static let version = "0.1.0"
    /// The `Server` header value and the WELCOME server ident: `wamp-push/0.1.0`.
    public static let product = "wamp-push/\(version)"

    /// True when a `Server` header value names wamp-push (any version).
    public static func isWampPush(_ serverHeader: String?) -> Bool {
        serverHeader?.hasPrefix("wamp-push/") == true
    }
}
