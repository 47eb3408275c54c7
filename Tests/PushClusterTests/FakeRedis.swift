import Foundation
import PushCodec
import PushTransport
import Synchronization
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// A scripted peer on loopback for what a real Redis will not do on demand: it answers each
/// command with what `answer` returns (nil: silence) — a server that stops answering, or sends
/// garbage. Its thread polls with a 20 ms timeout and leaves when `stop()` is called.
final class FakeRedis: Sendable {
    let port: UInt16
    /// Commands received, in order, over all connections.
    let received = Recorder<[String]>()
    private let listenFD: Int32
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    init(answer: @escaping @Sendable (_ command: [String]) -> [UInt8]?) throws {
        listenFD = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        guard let bound = Socket.localAddress(listenFD) else { throw RedisTestFailure("no local address") }
        port = bound.port
        let thread = Thread { [self] in serve(answer) }
        thread.start()
    }

    /// Stops the thread (waits at most 5 s) and closes every socket.
    func stop() {
        stopping.store(true, ordering: .releasing)
        _ = eventually(5) { finished.load(ordering: .acquiring) }
    }

    private func serve(_ answer: @Sendable ([String]) -> [UInt8]?) {
        var clients: [(fd: Int32, decoder: RESPDecoder)] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopping.load(ordering: .acquiring) {
            var fds = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)] + clients.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), 20) > 0 else { continue }
            if fds[0].revents != 0, case .accepted(let fd, _) = Socket.accept(listenFD) {
                clients.append((fd, RESPDecoder()))
            }
            for (index, entry) in fds.enumerated().dropFirst() where entry.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(entry.fd, $0.baseAddress, $0.count) }
                guard n > 0 else { continue } // closed: left for the final cleanup
                clients[index - 1].decoder.append(buffer[0..<n])
                while let value = try? clients[index - 1].decoder.next() {
                    let command = (value.elements ?? []).map { $0.text ?? "" }
                    received.append(command)
                    if let reply = answer(command) {
                        _ = reply.withUnsafeBytes { Socket.write(entry.fd, $0) }
                    }
                }
            }
        }
        for client in clients { Glibc.close(client.fd) }
        Glibc.close(listenFD)
        finished.store(true, ordering: .releasing)
    }
}

/// Answers the greeting (PING, AUTH, SELECT, CLIENT) like Redis, and nothing else.
@Sendable func greetingOnly(_ command: [String]) -> [UInt8]? {
    switch command.first?.uppercased() {
    case "PING": Array("+PONG\r\n".utf8)
    case "AUTH", "SELECT", "CLIENT": Array("+OK\r\n".utf8)
    default: nil
    }
}
