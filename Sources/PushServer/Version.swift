import PushCodec

public enum Version {
    public static let current = ServerIdentity.version
    /// The server identity sent in WAMP WELCOME.
    public static let serverIdent = ServerIdentity.product
}
