import Foundation
import PushClient
import PushTransport
import Testing
import TestSupport

/// The server run with a soft and hard RLIMIT_NOFILE of 300 (as `ulimit -n 300` sets both, it
/// cannot raise it), flooded with more connections than that. Every connection must be either
/// served or refused at once (none left hanging in the backlog), the refusals counted and their
/// log lines throttled, and once the flood closes the server answers again — it never dies.
@Suite(.serialized) struct DescriptorLimitTests {
    static let openFileLimit = 300
    static let flood = 400

    /// `.unexpected`: an answer other than 200, or a close after part of one.
    enum Outcome: Equatable { case answered, refused, silent, unexpected }

    @Test func floodPastTheOpenFileLimit_isRefusedAtTheCap_andTheServerLivesOn() throws {
        let server = try ServerProcess(arguments: [
            "-c", "ulimit -n \(Self.openFileLimit) && exec \"$0\" \"$@\"", ServerProcess.binary,
            "serve", "--listen", "127.0.0.1:0", "--db", "data/descriptors.sqlite",
        ], shell: true)
        defer { server.stop(); server.removeDirectory() }
        let line = try #require(server.waitForLine(containing: "listening: http://"), "stderr: \(server.stderr)")
        let base = String(line.split(separator: " ").last!.dropLast("/healthz".count))
        let address = try SocketAddress.parse(String(base.dropFirst("http://".count)))

        // The start-up line says the cap and where it comes from.
        let cap = Self.logged("maxConnections", in: server.stderr)
        #expect(Self.logged("openFileLimit", in: server.stderr) == Self.openFileLimit)
        #expect(cap.map { $0 > 0 && $0 < Self.openFileLimit } == true, "\(server.stderr)")

        var fds: [Int32] = []
        defer { for fd in fds { Socket.close(fd) } }
        for _ in 0..<Self.flood {
            let fd = try Socket.connect(to: address, nonBlocking: false)
            fds.append(fd)
            let request = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        let outcomes = Self.outcomes(of: fds, seconds: 20)
        let answered = outcomes.filter { $0 == .answered }.count
        let refused = outcomes.filter { $0 == .refused }.count
        let silent = outcomes.filter { $0 == .silent }.count
        #expect(silent == 0, "\(silent) connections got neither an answer nor a close (answered \(answered), refused \(refused))")
        #expect(!outcomes.contains(.unexpected))
        #expect(refused >= Self.flood - Self.openFileLimit)
        if let cap { #expect(answered == cap) }
        #expect(server.process.isRunning, "the server died: \(server.stderr.suffix(2000))")

        for fd in fds { Socket.close(fd) }
        fds = []
        #expect(Self.eventuallyHealthy(base), "no 200 from /healthz after the flood closed")
        let metrics = try HTTPClient(baseURL: base).request("GET", "/metrics").bodyString()
        #expect(Self.metric("wamp_push_connections_refused_total", in: metrics).map { $0 >= Double(refused) } == true)
        let refusalLines = server.stderr.components(separatedBy: "connection refused: limit reached").count - 1
        #expect(refusalLines >= 1 && refusalLines <= 4, "\(refusalLines) refusal lines for \(refused) refusals")
        #expect(server.process.isRunning)
        server.stop()
        #expect(server.process.terminationStatus == 0, "exit status after SIGTERM")
    }

    /// Reads every socket until it has an answer head, is closed (EOF or reset) before any
    /// byte, or `seconds` pass (`.silent`).
    static func outcomes(of fds: [Int32], seconds: Double) -> [Outcome] {
        var result = [Outcome](repeating: .silent, count: fds.count)
        var received = [[UInt8]](repeating: [], count: fds.count)
        var open = Set(fds.indices)
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !open.isEmpty && Date() < deadline {
            let waiting = Array(open)
            var polls = waiting.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            guard poll(&polls, nfds_t(polls.count), 100) > 0 else { continue }
            for (k, i) in waiting.enumerated() where polls[k].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { recv(fds[i], $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n > 0 {
                    received[i] += buffer[0..<n]
                    if String(decoding: received[i], as: UTF8.self).contains("\r\n\r\n") {
                        result[i] = received[i].starts(with: Array("HTTP/1.1 200".utf8)) ? .answered : .unexpected
                        open.remove(i)
                    }
                } else if n == 0 || errno == ECONNRESET {
                    result[i] = received[i].isEmpty ? .refused : .unexpected
                    open.remove(i)
                }
            }
        }
        return result
    }

    /// An integer field of the logfmt start-up line (`maxConnections=151`).
    static func logged(_ key: String, in log: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("msg=\"connection limit\"") }),
              let field = line.split(separator: " ").first(where: { $0.hasPrefix(key + "=") }) else { return nil }
        return Int(field.dropFirst(key.count + 1))
    }

    static func metric(_ name: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    static func eventuallyHealthy(_ base: String, seconds: Double = 10) -> Bool {
        eventually(seconds, every: 0.1) {
            guard let client = try? HTTPClient(baseURL: base, connectTimeout: 2, requestTimeout: 2) else { return false }
            return (try? client.request("GET", "/healthz"))?.status == 200
        }
    }
}
