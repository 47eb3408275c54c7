import Dispatch
import Foundation
import Glibc
import Synchronization

/// Whole log lines onto one descriptor (stderr), in order, without ever blocking the caller:
/// event-loop threads log, and a stalled log pipe must not stall them. Lines wait in a queue
/// bounded by `capacityBytes` for one writer thread; a line that finds it full is dropped and
/// counted, and the count is written as a warning line right after the lines queued before it.
///
/// Ownership: the queue, the drop count and the writer's flags live in `state` (a `Mutex`);
/// the descriptor is written only by the writer thread.
package final class LogOutput: Sendable {
    /// The process's stderr; lines still queued at exit get up to a second to go out.
    package static let standardError: LogOutput = {
        let output = LogOutput(fd: 2)
        atexit { _ = LogOutput.standardError.flush(timeout: 1) }
        return output
    }()

    private struct State {
        /// The most text waiting for the writer (`limits.logQueueBytes`).
        var capacityBytes: Int
        var lines: [String] = []
        var bytes = 0
        var dropped = 0
        /// The writer found the queue empty and waits on `wake`.
        var writerWaiting = false
        /// The writer holds a batch it has not finished writing.
        var writing = false
    }

    private let fd: Int32
    private let state: Mutex<State>
    private let wake = DispatchSemaphore(value: 0)

    /// `capacityBytes`: the most text waiting for the writer (1 MiB: some thousands of lines).
    package init(fd: Int32, capacityBytes: Int = 1 << 20) {
        self.fd = fd
        state = Mutex(State(capacityBytes: capacityBytes))
        let thread = Thread { [self] in runWriter() }
        thread.name = "wamp-push.log"
        thread.start()
    }

    /// Sets the queue's bound (from config, once it is loaded); lines already queued stay.
    package func setCapacity(_ bytes: Int) {
        state.withLock { $0.capacityBytes = bytes }
    }

    /// Queues one line (with its newline); never waits for the descriptor.
    package func write(_ line: String) {
        let signal = state.withLock { state -> Bool in
            guard state.bytes + line.utf8.count <= state.capacityBytes else {
                state.dropped += 1
                return false
            }
            state.lines.append(line)
            state.bytes += line.utf8.count
            guard state.writerWaiting else { return false }
            state.writerWaiting = false
            return true
        }
        if signal { wake.signal() }
    }

    /// Waits until every queued line is written, at most `timeout` seconds; false if time ran out.
    /// For exit and tests, never for a loop.
    package func flush(timeout: Double) -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeout) * 1e9)
        while true {
            if state.withLock({ $0.lines.isEmpty && !$0.writing }) { return true }
            if DispatchTime.now().uptimeNanoseconds >= deadline { return false }
            usleep(1_000)
        }
    }

    private func runWriter() {
        while true {
            let batch = state.withLock { state -> (lines: [String], dropped: Int)? in
                guard !state.lines.isEmpty else {
                    state.writerWaiting = true
                    state.writing = false
                    return nil
                }
                let batch = (state.lines, state.dropped)
                state.lines.removeAll(keepingCapacity: true)
                state.bytes = 0
                state.dropped = 0
                state.writing = true
                return batch
            }
            guard let batch else {
                wake.wait()
                continue
            }
            var text = batch.lines.joined()
            if batch.dropped > 0 {
                text += "ts=\(LogfmtLogHandler.timestamp()) level=warning msg=\"log output fell behind: lines dropped\" dropped=\(batch.dropped)\n"
            }
            writeAll(text)
        }
    }

    /// Writes every byte unless the descriptor fails (then the rest is lost: nowhere to report it).
    private func writeAll(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}
