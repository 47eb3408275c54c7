import Foundation
import TestSupport

/// The built `wamp-push` binary run as a child process, as a user runs it.
final class ServerProcess: @unchecked Sendable {
    static var binary: String {
        Repository.url(".build/debug/wamp-push").path
    }

    let process = Process()
    let directory: String
    private let output = Pipe()
    private let lock = NSLock()
    private var lines: [String] = []
    private var stderrText = ""

    /// `shell: true` runs `/bin/sh` with `arguments` instead of the binary (a pasted command line).
    init(arguments: [String], directory: String? = nil, environment: [String: String] = [:], shell: Bool = false) throws {
        self.directory = try directory ?? makeTemporaryDirectory("wamp-push-e2e-")
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: shell ? "/bin/sh" : Self.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: self.directory)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = output
        let errors = Pipe()
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            let text = String(decoding: data, as: UTF8.self)
            self.lock.lock()
            self.lines += text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            self.lock.unlock()
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.stderrText += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
    }

    var stdoutLines: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return stderrText }

    /// Waits (up to `seconds`) for a stdout line containing `needle`.
    func waitForLine(containing needle: String, seconds: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = stdoutLines.first(where: { $0.contains(needle) }) { return line }
            if !process.isRunning { break }
            usleep(20_000)
        }
        return stdoutLines.first { $0.contains(needle) }
    }

    func waitForExit(seconds: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func stop() {
        if process.isRunning { process.terminate() }
        _ = waitForExit(seconds: 5)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    func removeDirectory() { try? FileManager.default.removeItem(atPath: directory) }

    /// Runs the binary to completion (CLI commands) and returns (status, stdout, stderr).
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> (Int32, String, String) {
        try runToEnd(binary, arguments, in: directory, environment: environment)
    }

    /// Runs any executable to completion and returns (status, stdout, stderr).
    static func runToEnd(_ executable: String, _ arguments: [String], in directory: String,
                         environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
