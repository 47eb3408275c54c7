/// Which listener accepted a connection (for routing decisions and metrics).
public struct ListenerInfo: Sendable, Hashable {
    public let name: String
    public let isTLS: Bool
    public init(name: String, isTLS: Bool) { self.name = name; self.isTLS = isTLS }
}
