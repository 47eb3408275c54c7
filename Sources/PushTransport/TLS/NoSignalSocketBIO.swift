import COpenSSL
import CSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An unbuffered OpenSSL BIO over a non-blocking socket that sends with MSG_NOSIGNAL.
///
/// OpenSSL's own socket BIO (`SSL_set_fd`) writes with write(2): a peer that vanished would
/// raise SIGPIPE and kill the server, and the transport deliberately does not rely on SIGPIPE
/// being ignored. This BIO does what the socket BIO does (read/write the fd directly, nothing
/// buffered) with recv/send, so a dead peer only yields EPIPE. It never closes the fd.
enum NoSignalSocketBIO {
    /// Per-BIO state, allocated in `make` and freed by the destroy callback.
    private struct State {
        var fd: Int32
        var sawEOF: Bool
    }

    /// The process-wide method table; immutable once built, and OpenSSL only reads it.
    private nonisolated(unsafe) static let method: OpaquePointer? = makeMethod()

    /// A BIO reading and writing `fd`; nil if OpenSSL is out of memory.
    static func make(fd: Int32) -> OpaquePointer? {
        guard let method, let bio = BIO_new(method) else { return nil }
        let state = UnsafeMutablePointer<State>.allocate(capacity: 1)
        state.initialize(to: State(fd: fd, sawEOF: false))
        BIO_set_data(bio, state)
        BIO_set_init(bio, 1)
        return bio
    }

    private static func state(_ bio: OpaquePointer?) -> UnsafeMutablePointer<State>? {
        guard let bio else { return nil }
        return BIO_get_data(bio)?.assumingMemoryBound(to: State.self)
    }

    private static func isTransient(_ code: Int32) -> Bool {
        code == EAGAIN || code == EWOULDBLOCK || code == EINTR
    }

    private static func makeMethod() -> OpaquePointer? {
        let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR
        guard let method = BIO_meth_new(type, "wamp-push socket") else { return nil }
        _ = BIO_meth_set_write(method) { bio, data, length in
            guard let state = NoSignalSocketBIO.state(bio) else { return -1 }
            BIO_clear_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY)
            let sent = send(state.pointee.fd, data, Int(length), Int32(MSG_NOSIGNAL))
            if sent >= 0 { return Int32(sent) }
            if NoSignalSocketBIO.isTransient(errno) {
                BIO_set_flags(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY)
            }
            return -1
        }
        _ = BIO_meth_set_read(method) { bio, data, length in
            guard let state = NoSignalSocketBIO.state(bio) else { return -1 }
            BIO_clear_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY)
            let received = recv(state.pointee.fd, data, Int(length), 0)
            if received > 0 { return Int32(received) }
            if received == 0 {
                // BIO_eof must then say so, or OpenSSL cannot tell EOF from an I/O error.
                state.pointee.sawEOF = true
                return 0
            }
            if NoSignalSocketBIO.isTransient(errno) {
                BIO_set_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY)
            }
            return -1
        }
        _ = BIO_meth_set_ctrl(method) { bio, command, _, pointer in
            guard let state = NoSignalSocketBIO.state(bio) else { return 0 }
            switch command {
            case BIO_CTRL_FLUSH: return 1 // nothing is buffered
            case BIO_CTRL_EOF: return state.pointee.sawEOF ? 1 : 0
            case BIO_C_GET_FD: // what SSL_get_fd asks; answered like the socket BIO does
                pointer?.assumingMemoryBound(to: Int32.self).pointee = state.pointee.fd
                return Int(state.pointee.fd)
            default: return 0
            }
        }
        _ = BIO_meth_set_destroy(method) { bio in
            guard let bio, let state = NoSignalSocketBIO.state(bio) else { return 1 }
            state.deallocate()
            BIO_set_data(bio, nil)
            BIO_set_init(bio, 0)
            return 1
        }
        return method
    }
}
