import Foundation
import PushCluster
import PushCodec
import PushTransport
import Synchronization
import TestSupport

/// One event loop for a test, shut down by `shutdown()` after whatever ran on it was stopped.
final class TestLoop: Sendable {
    let group = LoopGroup(loopCount: 1, maxConnections: 64)
    var loop: EventLoop { group.loops[0] }

    func shutdown() { group.shutdown() }
}

/// Values reported on a loop, read by the test thread.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
    var last: Value? { all.last }
}

extension RedisConnectionState {
    var isDown: Bool {
        if case .down = self { return true }
        return false
    }

    var reason: String {
        if case .down(let reason) = self { return reason }
        return ""
    }
}

/// A configuration with short waits, so failures show within a test's patience.
func testConfiguration(_ url: String, tls: TLSContext? = nil, replyTimeout: Double = 5,
                       maxPendingCommands: Int = 10_000) throws -> RedisConfiguration {
    RedisConfiguration(url: try RedisURL(parsing: url), tls: tls, connectTimeout: 2, replyTimeout: replyTimeout,
                       keepAliveInterval: 1, reconnectDelay: 0.05, maxReconnectDelay: 0.3,
                       maxPendingCommands: maxPendingCommands)
}

/// Runs `body` on the loop and returns its result (the test thread waits).
func onLoop<T>(_ loop: EventLoop, _ body: @escaping () -> T) -> T { loop.sync(body) }

/// A command's outcome, for the test thread.
final class Outcome<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, RedisError>?>(nil)

    func set(_ result: Result<T, RedisError>) { value.withLock { $0 = result } }
    var result: Result<T, RedisError>? { value.withLock { $0 } }

    /// Waits (bounded) for the outcome.
    func wait(within seconds: Double = 10) -> Result<T, RedisError>? {
        _ = eventually(seconds) { result != nil }
        return result
    }
}

/// A connection started on `loop`, and the states it reported.
func startConnection(_ loop: TestLoop, _ configuration: RedisConfiguration) -> (RedisConnection, Recorder<RedisConnectionState>) {
    let states = Recorder<RedisConnectionState>()
    let connection = RedisConnection(configuration: configuration, loop: loop.loop, group: loop.group) { states.append($0) }
    loop.loop.sync { connection.start() }
    return (connection, states)
}

/// Issues a command on the loop and waits (bounded) for its outcome.
func call<T: Sendable>(_ loop: TestLoop, _ issue: @escaping @Sendable (@escaping (Result<T, RedisError>) -> Void) -> Void) -> Result<T, RedisError>? {
    let outcome = Outcome<T>()
    loop.loop.execute { issue { outcome.set($0) } }
    return outcome.wait()
}

extension Result {
    var value: Success? { try? get() }
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
