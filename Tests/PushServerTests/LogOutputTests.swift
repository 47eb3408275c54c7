import Foundation
@testable import PushObservability
import Synchronization
import Testing
import TestSupport

/// Loop threads log through `LogOutput`: a log pipe nobody reads must never stall them.
@Suite struct LogOutputTests {
    @Test func logging_toAPipeNobodyReads_returns_andCountsWhatItDropped() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let output = LogOutput(fd: fds[1], capacityBytes: 64 * 1024)
        let logged = SendableFlag()
        Thread.detachNewThread {
            for i in 0..<10_000 { output.write("ts=0 level=info msg=line n=\(i)\n") }
            logged.set()
        }
        // Far more than the pipe (64 kB) and the queue (64 kB) hold: a blocking writer never returns.
        #expect(eventually(60) { logged.isSet }, "logging blocked on a pipe nobody reads")
        guard logged.isSet else { return } // the blocked thread still holds the pipe: leave it

        // Now read: every line either arrives or is counted in a `dropped=` report.
        let lines = Self.drain(output, fds).split(separator: "\n")
        let arrived = lines.filter { $0.hasPrefix("ts=0 level=info msg=line ") }.count
        let dropped = lines.compactMap { line -> Int? in
            guard line.contains("level=warning"), let field = line.split(separator: " ").first(where: { $0.hasPrefix("dropped=") })
            else { return nil }
            return Int(field.dropFirst("dropped=".count))
        }
        #expect(!dropped.isEmpty, "no line reported the drops")
        #expect(arrived + dropped.reduce(0, +) == 10_000)
        #expect(lines.last == "ts=0 level=info msg=final")
    }

    /// `limits.logQueueBytes` reaches the queue after it was made: with 4 KiB instead of 1 MiB,
    /// 10,000 lines (330 kB, all of which 1 MiB would hold) mostly drop while the pipe is unread.
    @Test func setCapacity_boundsTheQueueFromThenOn() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let output = LogOutput(fd: fds[1], capacityBytes: 1 << 20)
        output.setCapacity(4096)
        for i in 0..<10_000 { output.write("ts=0 level=info msg=line n=\(i)\n") }
        let text = Self.drain(output, fds)
        // In flight at most: the pipe (64 KiB), the writer's batch and the queue (4 KiB each).
        let arrived = text.split(separator: "\n").filter { $0.hasPrefix("ts=0 level=info msg=line ") }.count
        #expect(arrived < 3_000, "\(arrived) lines got through a 4 KiB queue")
        #expect(text.contains("dropped="))
    }

    /// Reads the pipe `fds` while `output` flushes, then writes a last `msg=final` line and reads
    /// up to it; closes both ends and returns everything read.
    static func drain(_ output: LogOutput, _ fds: [Int32]) -> String {
        let readEnd = fds[0]
        let reader = Thread.detachNewThreadWithResult { Self.readAll(readEnd, until: "msg=final") }
        #expect(output.flush(timeout: 30))
        output.write("ts=0 level=info msg=final\n")
        let text = reader.wait()
        #expect(output.flush(timeout: 30))
        close(fds[1])
        close(fds[0])
        return text
    }

    /// Reads `fd` until `marker` has arrived (or 60 s pass).
    static func readAll(_ fd: Int32, until marker: String) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) >= 0 else { continue }
            guard entry.revents != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if String(decoding: bytes.suffix(marker.utf8.count + 1), as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A flag set by one thread and polled by another.
final class SendableFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
