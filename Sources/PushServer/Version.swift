public enum Version {
    public static let current = "0.1.0"
    /// The server identity sent in WAMP WELCOME.
    public static let serverIdent = "wamp-push/\(current)"
}
