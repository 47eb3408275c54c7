/// What every connection of one listener has in common: which listener, its policy and where
/// transport events go. One instance per listener, shared by reference, so each connection holds
/// a pointer instead of ~110 bytes of copies (Docs/benchmarks.md, "Idle memory per connection").
/// Immutable, hence Sendable.
final class ConnectionTraits: Sendable {
    let listener: ListenerInfo
    let policy: ConnectionPolicy
    let onEvent: (@Sendable (TransportEvent) -> Void)?

    init(listener: ListenerInfo, policy: ConnectionPolicy, onEvent: (@Sendable (TransportEvent) -> Void)?) {
        self.listener = listener
        self.policy = policy
        self.onEvent = onEvent
    }
}
