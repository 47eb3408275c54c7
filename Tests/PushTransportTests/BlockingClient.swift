import Glibc
import PushTransport

/// A plain blocking TCP client with a receive timeout, for tests only.
final class BlockingClient {
    let fd: Int32
    private(set) var closed = false

    /// `receiveBuffer` shrinks the kernel's receive buffer, so a client that does not read shows
    /// the server a closed window quickly.
    init(_ address: SocketAddress, timeoutSeconds: Int = 5, receiveBuffer: Int32? = nil) throws {
        fd = try Socket.connect(to: address, nonBlocking: false)
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if let receiveBuffer { setReceiveBuffer(receiveBuffer) }
    }

    /// Resizes the kernel's receive buffer (a tiny one makes loopback crawl once reading starts).
    func setReceiveBuffer(_ bytes: Int32) {
        var size = bytes
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Writes copies of `chunk` without blocking until the server stops taking them for
    /// `stallSeconds` (or `maxTotal` is written); returns the bytes written.
    func writeUntilStalled(_ chunk: [UInt8], maxTotal: Int, stallSeconds: Double = 1) -> Int {
        var total = 0
        var offset = 0
        var stalledSince: UInt64?
        while total < maxTotal {
            let n = chunk[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if n > 0 {
                total += n
                offset = (offset + n) % chunk.count
                stalledSince = nil
                continue
            }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return total }
            let now = MonotonicClock.now()
            if let since = stalledSince {
                if now - since >= MonotonicClock.seconds(stallSeconds) { return total }
            } else {
                stalledSince = now
            }
            usleep(10_000)
        }
        return total
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw SocketError("send") }
            offset += n
        }
    }

    /// Reads exactly `count` bytes, or throws on EOF/timeout.
    func read(exactly count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out[got...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { throw SocketError("read", detail: "after \(got) of \(count) bytes") }
            got += n
        }
        return out
    }

    /// Reads until EOF (or timeout); returns everything read.
    func readToEnd() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return out }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    /// True when the server closed the connection (EOF or reset) within the timeout.
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }
}
