import PushCodec
import PushTransport

/// Settings of one Redis connection. Every wait has a deadline and every queue a bound.
public struct RedisConfiguration: Sendable {
    public var url: RedisURL
    /// Client TLS for `rediss://`; nil: a context that verifies Redis against the system trust store.
    public var tls: TLSContext?
    /// Name lookup, TCP connect, TLS handshake, AUTH and SELECT must all finish within this.
    public var connectTimeout: Double
    /// A command (or keep-alive PING) not answered within this ends the connection.
    public var replyTimeout: Double
    /// A PING is sent when nothing has arrived for this long.
    public var keepAliveInterval: Double
    /// First delay before a reconnect; it doubles per failed attempt up to `maxReconnectDelay`,
    /// and each delay is drawn from its upper half (jitter, so nodes do not reconnect in step).
    public var reconnectDelay: Double
    public var maxReconnectDelay: Double
    /// Commands waiting for a reply (queued while connecting, or sent): past either bound a new
    /// command fails at once with `queueFull`, counted in `droppedCommands`.
    public var maxPendingCommands: Int
    public var maxPendingBytes: Int
    /// What one reply may hold.
    public var limits: RESPLimits
    /// Sent as CLIENT SETNAME, so `CLIENT LIST` on the server shows who is connected.
    public var clientName: String?

    public init(url: RedisURL, tls: TLSContext? = nil, connectTimeout: Double = 5, replyTimeout: Double = 5,
                keepAliveInterval: Double = 15, reconnectDelay: Double = 0.1, maxReconnectDelay: Double = 5,
                maxPendingCommands: Int = 10_000, maxPendingBytes: Int = 8 << 20, limits: RESPLimits = RESPLimits(),
                clientName: String? = nil) {
        self.url = url
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
        self.keepAliveInterval = keepAliveInterval
        self.reconnectDelay = reconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
        self.maxPendingCommands = maxPendingCommands
        self.maxPendingBytes = maxPendingBytes
        self.limits = limits
        self.clientName = clientName
    }
}

/// Capped exponential backoff with jitter: the n-th delay after a success is drawn from
/// [d/2, d] with d = min(cap, first * 2^n).
struct RedisBackoff {
    let first: Double
    let cap: Double
    private(set) var failures = 0

    init(first: Double, cap: Double) {
        self.first = max(first, 0.001)
        self.cap = max(cap, self.first)
    }

    /// The delay before the next attempt; `unit` is a random number in [0, 1].
    mutating func nextDelay(unit: Double = Double.random(in: 0...1)) -> Double {
        let ceiling = min(cap, first * Double(1 << min(failures, 30)))
        failures += 1
        return ceiling / 2 + ceiling / 2 * min(max(unit, 0), 1)
    }

    mutating func reset() { failures = 0 }
}

/// A first-in first-out queue that never shifts memory per removal (a head index moves).
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }
    var first: Element? { isEmpty ? nil : items[head] }

    mutating func append(_ item: Element) { items.append(item) }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: items.capacity <= 256)
            head = 0
        } else if head >= 256 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    /// Everything queued, oldest first; the queue is empty afterwards.
    mutating func removeAll() -> ArraySlice<Element> {
        defer {
            items = []
            head = 0
        }
        return items[head...]
    }
}
