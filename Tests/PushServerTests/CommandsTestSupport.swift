import Foundation
@testable import PushBroker
@testable import PushServer
import PushTransport
import Synchronization

/// A fresh temporary directory holding the stand-in scripts of one test; `remove()` it when done.
final class CommandsTempDir: Sendable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.resolvingSymlinksInPath().path
        path = base + "/wamp-push-commands-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Writes an executable `/bin/sh` script named `name`.
    func writeScript(_ name: String, _ body: String) throws {
        let file = path + "/" + name
        try ("#!/bin/sh\n" + body).write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
    }

    /// The lines of file `name`, or `[]` when it does not exist.
    func lines(_ name: String) -> [String] {
        guard let text = try? String(contentsOfFile: path + "/" + name, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }
}

/// A clock that only moves when told to, for TTL tests.
final class CommandsManualClock: Sendable {
    private let seconds = Mutex<Double>(1_000)
    var now: @Sendable () -> Double { { [self] in seconds.withLock { $0 } } }
    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
}

/// True while `pid` names a process that has not yet exited (a zombie counts as exited).
func commandsProcessIsAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    // Field 3 (after "pid (comm) ") is the state letter.
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state != "Z" && state != "X"
}

/// Seconds elapsed while running `body`.
func commandsElapsed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = MonotonicSeconds.now()
    let value = try await body()
    return (value, MonotonicSeconds.now() - start)
}

extension ExternalTokenVerifier {
    /// `verify` as an async call, for tests.
    func commandsVerify(_ token: String) async -> Outcome {
        await withCheckedContinuation { continuation in verify(token: token) { continuation.resume(returning: $0) } }
    }
}

extension AccessChecker {
    /// `check` as an async call, for tests.
    func commandsCheck(_ template: String, userId: String, params: [String: String] = [:]) async -> Bool {
        await withCheckedContinuation { continuation in
            check(command: template, userId: userId, params: params) { continuation.resume(returning: $0) }
        }
    }
}

extension CommandRunner {
    /// `run` as an async call, for tests.
    func commandsRun(_ command: String, in directory: String? = nil, timeout: Double = 5) async -> CommandResult {
        await withCheckedContinuation { continuation in
            run(shellCommand: command, workingDirectory: directory, timeout: timeout) { continuation.resume(returning: $0) }
        }
    }
}

/// A value delivered once from a completion handler and awaited by the test.
final class CommandsBox<T: Sendable>: Sendable {
    private let stored = Mutex<T?>(nil)
    func set(_ value: T) { stored.withLock { $0 = value } }
    /// The value, or nil when it has not arrived within `seconds`.
    func value(within seconds: Double = 30) async -> T? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let v = current() { return v }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return current()
    }
    func current() -> T? { stored.withLock { $0 } }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; returns its last value.
func commandsEventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
