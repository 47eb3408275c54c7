import Foundation
import COpenSSL
import PushTransport
#if canImport(Glibc)
import Glibc
#endif

/// Two connected, non-blocking Unix stream sockets; closed when released.
final class TLSSocketPair {
    let clientFD: Int32
    let serverFD: Int32
    private var closedFDs: Set<Int32> = []

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            throw TLSTestFailure("socketpair: \(String(cString: strerror(errno)))")
        }
        clientFD = fds[0]
        serverFD = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    /// Closes one end early (peer vanishes without close_notify).
    func close(_ fd: Int32) {
        if closedFDs.insert(fd).inserted { _ = Glibc.close(fd) }
    }

    deinit {
        close(clientFD)
        close(serverFD)
    }
}

/// A failure inside test plumbing, with a message.
struct TLSTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under /tmp, removed when released.
final class TLSTemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/wamp-push-tls-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TLSTestFailure("mkdtemp failed") }
        path = String(cString: made)
    }

    /// Writes `contents` to `name` inside the directory and returns the full path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try contents.write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A generated certificate written to disk, with a server context serving it.
struct TLSServerIdentity {
    let certPath: String
    let keyPath: String
    let certificatePEM: String
    let context: TLSContext

    init(in directory: TLSTemporaryDirectory, name: String = "server",
         validFrom: Int64 = Int64(time(nil)) - 60, validDays: Int = 825) throws {
        let generated = try SelfSignedCertificate.generate(validFrom: validFrom, validDays: validDays)
        certificatePEM = generated.certificatePEM
        certPath = try directory.write("\(name)-cert.pem", generated.certificatePEM)
        keyPath = try directory.write("\(name)-key.pem", generated.privateKeyPEM)
        context = try TLSContext.server(certificateChainPath: certPath, privateKeyPath: keyPath)
    }
}

enum TLSTestSupport {
    static func isTerminal(_ progress: TLSSession.Progress?) -> Bool {
        switch progress {
        case .complete?, .failed?: return true
        default: return false
        }
    }

    /// Steps both handshakes in turn until both finish, or one fails and the other has had a few
    /// more steps to read the alert. Bounded, so a bug shows up as a failed expectation, not a hang.
    static func driveHandshakes(client: TLSSession, server: TLSSession, limit: Int = 200)
        -> (client: TLSSession.Progress?, server: TLSSession.Progress?) {
        var clientState: TLSSession.Progress?
        var serverState: TLSSession.Progress?
        var stepsAfterFailure = 0
        for _ in 0..<limit {
            if !isTerminal(clientState) { clientState = client.handshake() }
            if !isTerminal(serverState) { serverState = server.handshake() }
            if isTerminal(clientState) && isTerminal(serverState) { break }
            if case .failed? = clientState { stepsAfterFailure += 1 }
            if case .failed? = serverState { stepsAfterFailure += 1 }
            if stepsAfterFailure > 5 { break }
        }
        return (clientState, serverState)
    }

    /// What happened while moving a payload from one session to the other.
    struct TransferStats {
        var received: [UInt8] = []
        var wantWriteCount = 0
        var partialWriteCount = 0
        var wantReadCount = 0
    }

    /// Sends `payload` through `writer` and collects it from `reader`, alternating like two event
    /// loops would: write until the socket is full, then read until it is empty.
    static func transfer(_ payload: [UInt8], from writer: TLSSession, to reader: TLSSession,
                         readChunk: Int = 16_384, limit: Int = 100_000) throws -> TransferStats {
        var stats = TransferStats()
        var offset = 0
        var buffer = [UInt8](repeating: 0, count: readChunk)
        for _ in 0..<limit {
            writing: while offset < payload.count {
                let result = payload.withUnsafeBytes { all in
                    writer.write(UnsafeRawBufferPointer(rebasing: all[offset...]))
                }
                switch result {
                case .wrote(let count):
                    if count < payload.count - offset { stats.partialWriteCount += 1 }
                    offset += count
                case .wantWrite:
                    stats.wantWriteCount += 1
                    break writing
                case .wantRead:
                    break writing
                case .closed, .failed:
                    throw TLSTestFailure("write: \(result)")
                }
            }
            reading: while true {
                let result = buffer.withUnsafeMutableBytes { reader.read(into: $0) }
                switch result {
                case .bytes(let count):
                    stats.received.append(contentsOf: buffer[0..<count])
                case .wantRead:
                    stats.wantReadCount += 1
                    break reading
                case .wantWrite:
                    break reading
                case .closed, .failed:
                    throw TLSTestFailure("read: \(result)")
                }
            }
            if offset == payload.count && stats.received.count >= payload.count { return stats }
        }
        throw TLSTestFailure("transfer did not finish: sent \(offset), received \(stats.received.count)")
    }

    /// Reads once (after draining) and returns the result, for close/EOF checks.
    static func readOnce(_ session: TLSSession) -> TLSSession.ReadResult {
        var buffer = [UInt8](repeating: 0, count: 1024)
        return buffer.withUnsafeMutableBytes { session.read(into: $0) }
    }

    /// A handshake between a fresh client/server pair over a new socket pair.
    struct Connected {
        let sockets: TLSSocketPair
        let client: TLSSession
        let server: TLSSession
        let clientProgress: TLSSession.Progress?
        let serverProgress: TLSSession.Progress?
    }

    static func connect(client context: TLSContext, server identity: TLSServerIdentity,
                        serverName: String? = "localhost") throws -> Connected {
        let sockets = try TLSSocketPair()
        guard let client = context.makeClientSession(fd: sockets.clientFD, serverName: serverName),
              let server = identity.context.makeServerSession(fd: sockets.serverFD) else {
            throw TLSTestFailure("session creation failed")
        }
        let states = driveHandshakes(client: client, server: server)
        return Connected(sockets: sockets, client: client, server: server,
                         clientProgress: states.client, serverProgress: states.server)
    }

    /// The first `count` bytes of a deterministic, non-repeating-looking pattern.
    static func pattern(_ count: Int) -> [UInt8] {
        var state: UInt32 = 0x1234_5678
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }
}
