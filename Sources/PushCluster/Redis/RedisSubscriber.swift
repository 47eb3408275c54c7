import Logging
import PushCodec
import PushTransport

/// A message that arrived on a subscribed channel (or one matching a subscribed pattern).
public struct RedisMessage: Equatable, Sendable {
    public let channel: String
    /// The PSUBSCRIBE pattern it matched; nil for a plain SUBSCRIBE.
    public let pattern: String?
    public let payload: [UInt8]

    public init(channel: String, pattern: String?, payload: [UInt8]) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }
}

/// A connection in subscriber mode (RESP2 gives such a connection to pub/sub alone): it holds the
/// channels and patterns asked for and subscribes to all of them again after every reconnect.
/// It reports `up` only once every one of them is confirmed, so a publish made after `up` is
/// seen. A refused SUBSCRIBE (an ACL without that channel) ends the connection with the reason
/// and the usual backoff follows. Messages published while it was down are lost: Redis pub/sub
/// is at-most-once.
///
/// Confinement: as `RedisConnection` — every `var` on `loop`'s thread, every method called there
/// (checked), every callback run there.
public final class RedisSubscriber: @unchecked Sendable {
    public let connection: RedisConnection
    public var loop: EventLoop { connection.loop }
    public private(set) var state: RedisConnectionState = .down("not started")
    public private(set) var channels: [String] = []
    public private(set) var patterns: [String] = []
    /// Messages delivered since start.
    public private(set) var messages = 0

    /// Set at init; the cluster node replaces it before `start` (same module only).
    var onStateChange: (RedisConnectionState) -> Void
    private let onMessage: (RedisMessage) -> Void
    /// Confirmations still awaited before `up` is reported, counted per connect.
    private var confirmationsLeft = 0
    private var connectGeneration = 0

    public init(configuration: RedisConfiguration, loop: EventLoop, group: LoopGroup, logger: Logger? = nil,
                onStateChange: @escaping (RedisConnectionState) -> Void = { _ in },
                onMessage: @escaping (RedisMessage) -> Void) {
        connection = RedisConnection(configuration: configuration, loop: loop, group: group, logger: logger)
        self.onStateChange = onStateChange
        self.onMessage = onMessage
        connection.pushFilter = Self.isMessage
        connection.onPush = { [weak self] value in self?.deliver(value) }
        connection.onStateChange = { [weak self] new in self?.connectionChanged(new) }
    }

    public func start() { connection.start() }

    public func stop() { connection.stop() }

    /// Adds a channel; subscribed now when up, and again after every reconnect. Loop thread only.
    public func subscribe(_ channel: String) {
        loop.preconditionOnLoop()
        guard !channels.contains(channel) else { return }
        channels.append(channel)
        if state == .up { send("SUBSCRIBE", channel, generation: connectGeneration, beforeUp: false) }
    }

    /// Adds a glob-style pattern (PSUBSCRIBE). Loop thread only.
    public func psubscribe(_ pattern: String) {
        loop.preconditionOnLoop()
        guard !patterns.contains(pattern) else { return }
        patterns.append(pattern)
        if state == .up { send("PSUBSCRIBE", pattern, generation: connectGeneration, beforeUp: false) }
    }

    public func unsubscribe(_ channel: String) {
        loop.preconditionOnLoop()
        guard let index = channels.firstIndex(of: channel) else { return }
        channels.remove(at: index)
        if state == .up { connection.send(["UNSUBSCRIBE", .string(channel)]) }
    }

    public func punsubscribe(_ pattern: String) {
        loop.preconditionOnLoop()
        guard let index = patterns.firstIndex(of: pattern) else { return }
        patterns.remove(at: index)
        if state == .up { connection.send(["PUNSUBSCRIBE", .string(pattern)]) }
    }

    // MARK: Private

    private func connectionChanged(_ new: RedisConnectionState) {
        connectGeneration += 1
        guard new == .up else { return report(new) }
        // One command per channel: an ACL refusal then names the channel, and no command ever
        // waits for more replies than it has.
        let generation = connectGeneration
        confirmationsLeft = channels.count + patterns.count
        for channel in channels { send("SUBSCRIBE", channel, generation: generation, beforeUp: true) }
        for pattern in patterns { send("PSUBSCRIBE", pattern, generation: generation, beforeUp: true) }
        if confirmationsLeft == 0 { report(.up) }
    }

    /// `beforeUp`: one of the confirmations `up` waits for.
    private func send(_ command: String, _ name: String, generation: Int, beforeUp: Bool) {
        connection.send([.string(command), .string(name)]) { [weak self] result in
            guard let self, generation == connectGeneration else { return }
            switch result {
            case .success(let reply):
                guard let kind = reply.elements?.first?.text, kind == command.lowercased() else {
                    return connection.drop("\(command) \(name) was answered with \(RedisConnection.unexpected(reply))")
                }
                guard beforeUp else { return }
                confirmationsLeft -= 1
                if confirmationsLeft == 0 { report(.up) }
            case .failure(.server(let text)):
                connection.drop("\(command) \(name) refused: \(text)")
            case .failure:
                return // the connection is down or ending; it reports that itself
            }
        }
    }

    private func report(_ new: RedisConnectionState) {
        guard new != state else { return }
        state = new
        onStateChange(new)
    }

    private func deliver(_ value: RESPValue) {
        guard let elements = value.elements else { return }
        let message: RedisMessage
        if elements.count == 3, let channel = elements[1].text, let payload = elements[2].bytes {
            message = RedisMessage(channel: channel, pattern: nil, payload: payload)
        } else if elements.count == 4, let pattern = elements[1].text, let channel = elements[2].text, let payload = elements[3].bytes {
            message = RedisMessage(channel: channel, pattern: pattern, payload: payload)
        } else {
            return connection.drop("Redis sent a malformed pub/sub message")
        }
        messages += 1
        onMessage(message)
    }

    /// `message` and `pmessage` arrays are pushes; every other value answers a command.
    static func isMessage(_ value: RESPValue) -> Bool {
        guard case .array(let elements?) = value, let kind = elements.first, case .bulkString(let bytes?) = kind else { return false }
        return bytes == messageKind || bytes == pmessageKind
    }

    private static let messageKind = Array("message".utf8)
    private static let pmessageKind = Array("pmessage".utf8)
}
