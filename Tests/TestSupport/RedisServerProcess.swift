import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One `redis-server` (Debian's package, installed by `make test`) run by a test: loopback only,
/// a free port, persistence off, its own directory; killed and removed by `stop()`.
/// It can be killed and started again on the same port, as a Redis outage.
public final class RedisServerProcess: @unchecked Sendable { // `process` is the test thread's
    public static var binary: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public let port: UInt16
    public let directory: String
    private let arguments: [String]
    private var process: Process?

    /// `extra`: more configuration (e.g. `--requirepass x`). With `tls`, the port speaks TLS only.
    public init(extra: [String] = [], tls: (certificate: String, key: String)? = nil) throws {
        directory = try makeTemporaryDirectory("wamp-push-redis-")
        port = closedLoopbackPort()
        var arguments = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory,
                         "--logfile", directory + "/redis.log", "--daemonize", "no"]
        if let tls {
            arguments += ["--port", "0", "--tls-port", "\(port)", "--tls-cert-file", tls.certificate, "--tls-key-file", tls.key,
                          "--tls-auth-clients", "no"]
        } else {
            arguments += ["--port", "\(port)"]
        }
        self.arguments = arguments + extra
        try start()
    }

    /// Starts the server and waits (at most 10 s) until its log says it accepts connections.
    public func start() throws {
        precondition(process == nil, "already running")
        try? FileManager.default.removeItem(atPath: directory + "/redis.log")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary!)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if log.contains("Ready to accept connections") { return }
            if !process.isRunning { break }
            usleep(20_000)
        }
        kill()
        throw RedisTestFailure("redis-server did not start: \(log.suffix(800))")
    }

    /// SIGKILL, as a crash: no goodbye to clients. Waits (at most 5 s) until it is gone.
    public func kill() {
        guard let process else { return }
        self.process = nil
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
    }

    public func stop() {
        kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `redis://127.0.0.1:<port>` (plain servers).
    public var url: String { "redis://127.0.0.1:\(port)" }

    public var log: String { (try? String(contentsOfFile: directory + "/redis.log", encoding: .utf8)) ?? "" }
}

/// Why a test's `redis-server` could not be used.
public struct RedisTestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
