import Foundation
import Logging
import PushEspo
import Synchronization
import Testing
import TestSupport


/// The real ZeroMQ peers: Debian php-cli + php-zmq and python3-zmq (`make test` installs them).
enum Peers {
    /// A `php` with the zmq extension loaded, or nil.
    static let php: String? = firstWorking(["/usr/bin/php", "/usr/local/bin/php"], probe: ["-r", "exit(extension_loaded('zmq') ? 0 : 1);"])
    /// A `php` (zmq or not) for reading the fixture's config files.
    static let phpCLI: String? = firstWorking(["/usr/bin/php", "/usr/local/bin/php"], probe: ["-r", "exit(0);"])
    /// A `python3` that imports zmq (Debian's, not a pyenv shim without the package), or nil.
    static let python: String? = firstWorking(["/usr/bin/python3", "/usr/local/bin/python3"], probe: ["-c", "import zmq"])

    static let phpReason: Comment = "php-cli with php-zmq is not installed (make test installs it when run as root)"
    static let phpCLIReason: Comment = "php-cli is not installed (make test installs it when run as root)"
    static let pythonReason: Comment = "python3-zmq is not installed (make test installs it when run as root)"

    static let phpSender = Repository.url("Fixtures/zeromq/send.php").path
    static let pythonSender = Repository.url("Fixtures/zeromq/send.py").path

    private static func firstWorking(_ candidates: [String], probe: [String]) -> String? {
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            if let status = try? run(path, probe, deadline: 20).status, status == 0 { return path }
        }
        return nil
    }
}

/// A child process the test started; `wait` has a deadline and kills the child past it.
final class Child {
    let process = Process()
    private let errorPipe = Pipe()

    init(_ executable: String, _ arguments: [String], directory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorPipe
        try process.run()
    }

    /// The exit status, or nil when the child was still running at the deadline (it is then killed).
    func wait(deadline seconds: Double) -> Int32? {
        let end = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > end {
                process.terminate()
                process.waitUntilExit()
                return nil
            }
            usleep(5_000)
        }
        return process.terminationStatus
    }

    var standardError: String {
        String(decoding: errorPipe.fileHandleForReading.availableData, as: UTF8.self)
    }
}

/// Runs a command to completion (with a deadline) and returns its status and standard output.
@discardableResult
func run(_ executable: String, _ arguments: [String], deadline: Double = 60) throws -> (status: Int32?, output: String) {
    let process = Process()
    let out = Pipe()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let end = Date().addingTimeInterval(deadline)
    var data = Data()
    while process.isRunning, Date() < end {
        usleep(5_000)
    }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        return (nil, "")
    }
    data = out.fileHandleForReading.readDataToEndOfFile()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// What an ingress handed to its handler, in order.
final class Received: Sendable {
    private let messages = Mutex<[String]>([])

    func append(_ bytes: [UInt8]) { messages.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
    var all: [String] { messages.withLock { $0 } }
    var count: Int { messages.withLock { $0.count } }
}

/// The `{seq}` values of messages shaped `{"seq":N,...}` (our senders' templates), in arrival order.
func sequenceNumbers(_ messages: [String], sender: String? = nil) -> [Int] {
    messages.compactMap { text -> Int? in
        if let sender, !text.contains("\"sender\":\"\(sender)\"") { return nil }
        guard let start = text.range(of: "\"seq\":") else { return nil }
        return Int(text[start.upperBound...].prefix { $0.isNumber })
    }
}

/// Log lines a test can read back (level and message plus metadata as `key=value`).
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(sink: self) }
    }
}

private struct CapturingHandler: LogHandler {
    let sink: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        sink.append(([event.level.rawValue, event.message.description] + fields).joined(separator: " "))
    }
}

/// An ingress on a free loopback port that records every message and publishes it.
func recordingIngress(port: Int = 0, parameters: ZeroMQIngress.Parameters = .init(), log: CapturedLog = CapturedLog(),
                      clock: (@Sendable () -> Double)? = nil,
                      handler: (@Sendable ([UInt8]) -> ZeroMQOutcome)? = nil) throws -> (ZeroMQIngress, Received) {
    let received = Received()
    let ingress = try ZeroMQIngress(
        dsn: "tcp://127.0.0.1:\(port)", parameters: parameters, logger: log.logger,
        clock: clock ?? { Date().timeIntervalSinceReferenceDate }) { bytes in
            received.append(bytes)
            return handler?(bytes) ?? .published
        }
    try ingress.start()
    return (ingress, received)
}

extension ZeroMQIngress {
    /// The port libzmq bound (the DSN may have said 0).
    var boundPort: Int {
        guard let bound = boundEndpoint, let colon = bound.lastIndex(of: ":") else { return -1 }
        return Int(bound[bound.index(after: colon)...]) ?? -1
    }

    var dsn: String { "tcp://127.0.0.1:\(boundPort)" }
}
