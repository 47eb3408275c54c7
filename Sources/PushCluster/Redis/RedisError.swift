/// Why a command has no result. Completions get it on the connection's loop.
public enum RedisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Redis answered with an error reply (`ERR …`, `WRONGTYPE …`, `NOPERM …`).
    case server(String)
    /// Refused at once: Redis is down (the reason is the last one reported).
    case notConnected(String)
    /// Refused at once: the commands waiting for Redis are at their limit (a counted drop).
    case queueFull
    /// Queued or sent, then the connection ended before the reply (the command may or may not
    /// have run). Never retried here: a retry could run it twice.
    case connectionLost(String)
    /// A reply of another type than the command returns.
    case unexpectedReply(String)
    /// The connection was stopped.
    case stopped

    public var description: String {
        switch self {
        case .server(let text): "Redis error: \(text)"
        case .notConnected(let reason): "Redis is down: \(reason)"
        case .queueFull: "Redis queue is full"
        case .connectionLost(let reason): "Redis connection lost before the reply: \(reason)"
        case .unexpectedReply(let text): "unexpected Redis reply: \(text)"
        case .stopped: "Redis connection stopped"
        }
    }
}

/// What the connection reports through its state callback: each change once, with a reason for
/// `down`. Attempts that fail the same way while down are not changes.
public enum RedisConnectionState: Equatable, Sendable, CustomStringConvertible {
    /// The first attempt since `start()` is under way.
    case connecting
    /// Connected, logged in, database selected (and, for a subscriber, every channel subscribed).
    case up
    /// Not usable; reconnect attempts continue with backoff until `stop()`.
    case down(String)

    public var description: String {
        switch self {
        case .connecting: "connecting"
        case .up: "up"
        case .down(let reason): "down (\(reason))"
        }
    }
}
