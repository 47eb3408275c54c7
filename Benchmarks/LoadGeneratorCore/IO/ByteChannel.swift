import Glibc
import PushTransport

/// A connected socket, plain or TLS, read and written the same way by the connection classes.
struct ByteChannel {
    enum ReadOutcome {
        case bytes(Int)
        /// Nothing now; `wantWrite` when TLS needs the socket writable first.
        case wait(wantWrite: Bool)
        case closed
        case failed(String)
    }

    enum WriteOutcome {
        case wrote(Int)
        case wait(wantWrite: Bool)
        case failed(String)
    }

    let fd: Int32
    var tls: TLSSession?

    @inline(__always)
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadOutcome {
        if let tls {
            switch tls.read(into: buffer) {
            case .bytes(let n): return .bytes(n)
            case .wantRead: return .wait(wantWrite: false)
            case .wantWrite: return .wait(wantWrite: true)
            case .closed: return .closed
            case .failed(let line): return .failed(line)
            }
        }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wait(wantWrite: false)
            case ECONNRESET: return .closed
            default: return .failed("read: \(ClientSocket.describe(errno))")
            }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> WriteOutcome {
        if let tls {
            switch tls.write(bytes) {
            case .wrote(let n): return .wrote(n)
            case .wantRead: return .wait(wantWrite: false)
            case .wantWrite: return .wait(wantWrite: true)
            case .closed: return .failed("TLS peer closed")
            case .failed(let line): return .failed(line)
            }
        }
        while true {
            let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .wrote(n) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wait(wantWrite: true)
            default: return .failed("send: \(ClientSocket.describe(errno))")
            }
        }
    }

    /// Decrypted bytes waiting inside OpenSSL, which epoll cannot see.
    var hasBufferedPlaintext: Bool { tls?.hasBufferedPlaintext ?? false }
}
