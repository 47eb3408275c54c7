import Foundation
import Glibc
import Synchronization

/// Spawns one `/bin/sh -c` child in its own process group and collects its output, blocking the
/// calling thread until it exits or is killed. Used only from `CommandRunner`'s worker threads.
package final class ShellSpawner: Sendable {
    /// `pipe2(O_CLOEXEC)` is not visible from Swift's Glibc module, so a pipe is created and then
    /// marked close-on-exec; holding this lock across pipe + spawn keeps a sibling spawn from
    /// inheriting our pipe ends (which would delay EOF). One lock for the process, not per
    /// spawner: the server runs two command pools, and a child of either must not get the other's pipes.
    private static let spawnLock = Mutex<Void>(())

    private static let readChunk = 16 * 1024
    /// Bytes read after the child exited, when a leftover grandchild keeps writing; stop there.
    private static let drainBudget = 4 * CommandRunner.outputLimit

    package func execute(command: String, workingDirectory: String?, timeout: Double) -> CommandResult {
        if command.utf8.contains(0) {
            return CommandResult(exitStatus: nil, stderr: "command contains a NUL byte")
        }
        var arguments = ["/bin/sh", "-c", command]
        if let directory = workingDirectory {
            guard Self.isDirectory(directory) else {
                return CommandResult(exitStatus: nil, stderr: "working directory does not exist: \(directory)")
            }
            // posix_spawn_file_actions_addchdir_np is not exported to Swift either; the directory and
            // the command travel as positional parameters, so neither is ever parsed as shell code.
            arguments = ["/bin/sh", "-c", "cd -- \"$1\" && exec /bin/sh -c \"$2\"", "sh", directory, command]
        }
        let child: SpawnedChild
        switch spawn(arguments) {
        case .success(let spawned): child = spawned
        case .failure(let message): return CommandResult(exitStatus: nil, stderr: message)
        }
        return collect(child, timeout: timeout)
    }

    // MARK: - Spawning

    private struct SpawnedChild {
        package let pid: pid_t
        package let stdout: Int32
        package let stderr: Int32
    }

    private enum SpawnOutcome {
        case success(SpawnedChild)
        case failure(String)
    }

    private func spawn(_ arguments: [String]) -> SpawnOutcome {
        Self.spawnLock.withLock { _ -> SpawnOutcome in
            var outPipe: [Int32] = [-1, -1]
            var errPipe: [Int32] = [-1, -1]
            guard pipe(&outPipe) == 0 else { return .failure("pipe failed: \(Self.errnoText())") }
            guard pipe(&errPipe) == 0 else {
                Self.closeAll(outPipe)
                return .failure("pipe failed: \(Self.errnoText())")
            }
            for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            // Own process group: a timeout kills the shell and everything it started.
            posix_spawnattr_setpgroup(&attributes, 0)
            var emptyMask = sigset_t()
            sigemptyset(&emptyMask)
            posix_spawnattr_setsigmask(&attributes, &emptyMask)
            // The server may ignore SIGPIPE and friends; ignored dispositions survive exec, so reset them.
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD] { sigaddset(&defaults, signal) }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes,
                                     Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

            var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
            cArguments.append(nil)
            defer { for pointer in cArguments { free(pointer) } }

            var pid: pid_t = 0
            let rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, cArguments, environ)
            close(outPipe[1])
            close(errPipe[1])
            guard rc == 0 else {
                close(outPipe[0])
                close(errPipe[0])
                return .failure("could not start /bin/sh: \(String(cString: strerror(rc)))")
            }
            for fd in [outPipe[0], errPipe[0]] {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            return .success(SpawnedChild(pid: pid, stdout: outPipe[0], stderr: errPipe[0]))
        }
    }

    // MARK: - Collecting

    /// One output stream being drained: its fd until EOF, and the bytes kept so far.
    private struct Stream {
        package var fd: Int32?
        package var bytes: [UInt8] = []

        /// Reads until the pipe would block or ends; returns the number of bytes read.
        package mutating func readAvailable(budget: Int = .max) -> Int {
            guard let open = fd else { return 0 }
            var total = 0
            var buffer = [UInt8](repeating: 0, count: ShellSpawner.readChunk)
            while total < budget {
                let n = buffer.withUnsafeMutableBytes { read(open, $0.baseAddress, $0.count) }
                if n > 0 {
                    total += n
                    let room = CommandRunner.outputLimit - bytes.count
                    if room > 0 { bytes.append(contentsOf: buffer[0..<min(n, room)]) }
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return total }
                close(open)  // EOF or a read error: this stream is finished
                fd = nil
                return total
            }
            return total
        }

        package mutating func closeIfOpen() {
            if let open = fd { close(open) }
            fd = nil
        }

        package var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private func collect(_ child: SpawnedChild, timeout: Double) -> CommandResult {
        var out = Stream(fd: child.stdout)
        var err = Stream(fd: child.stderr)
        // A NaN or negative timeout must not trap below; treat it as "no time at all".
        let deadline = Self.now() + (timeout.isNaN ? 0 : max(0, timeout))
        var status: Int32?
        var timedOut = false
        var idleSleepMicros: UInt32 = 250

        while true {
            if status == nil { status = Self.reap(child.pid, blocking: false) }
            if status != nil {
                // Exited: take what is already buffered; a leftover grandchild must not hold us up.
                _ = out.readAvailable(budget: Self.drainBudget)
                _ = err.readAvailable(budget: Self.drainBudget)
                break
            }
            let remaining = deadline - Self.now()
            if remaining <= 0 {
                kill(-child.pid, SIGKILL)
                kill(child.pid, SIGKILL)
                status = Self.reap(child.pid, blocking: true)
                timedOut = true
                break
            }
            let openFDs = [out.fd, err.fd].compactMap { $0 }
            if openFDs.isEmpty {
                // Both pipes ended but the zombie is not reapable yet (or output was closed early).
                usleep(UInt32(min(Double(idleSleepMicros), remaining * 1_000_000 + 1)))
                idleSleepMicros = min(idleSleepMicros * 2, 10_000)
                continue
            }
            // Wake at least every 50 ms to notice an exit whose pipes a grandchild still holds.
            var pollSet = openFDs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let waitMillis = Int32(max(1, min(50, (remaining * 1000).rounded(.up))))
            let ready = poll(&pollSet, nfds_t(pollSet.count), waitMillis)
            if ready > 0 {
                _ = out.readAvailable()
                _ = err.readAvailable()
            }
        }
        out.closeIfOpen()
        err.closeIfOpen()
        return CommandResult(exitStatus: status.map(Self.decodeWaitStatus), stdout: out.text,
                             stderr: err.text, timedOut: timedOut)
    }

    // MARK: - Helpers

    /// The raw wait status once `pid` has ended, or nil when `blocking` is false and it still runs.
    private static func reap(_ pid: pid_t, blocking: Bool) -> Int32? {
        var raw: Int32 = 0
        while true {
            let r = waitpid(pid, &raw, blocking ? 0 : WNOHANG)
            if r == pid { return raw }
            if r == 0 { return nil }
            if errno == EINTR { continue }
            // ECHILD: someone else reaped it (a SIGCHLD-ignoring host); report it as unknown failure.
            return 127 << 8
        }
    }

    /// WEXIFSTATUS / WTERMSIG, which are macros and not imported.
    private static func decodeWaitStatus(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    private static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1_000_000_000
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    private static func closeAll(_ fds: [Int32]) { for fd in fds where fd >= 0 { close(fd) } }
}
