import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One TLS connection: an `SSL*` that reads and writes its non-blocking socket directly.
///
/// Not Sendable on purpose: an `SSL*` must never be used from two threads at once, so a session
/// lives on its connection's loop thread and is only ever called from there.
/// The socket stays owned by the caller; freeing the session does not close it.
/// Writes use MSG_NOSIGNAL (see `NoSignalSocketBIO`), so a vanished peer never raises SIGPIPE.
public final class TLSSession {
    /// Outcome of one handshake step.
    public enum Progress: Equatable {
        case complete, wantRead, wantWrite, failed(String)
    }

    /// Outcome of one read.
    public enum ReadResult: Equatable {
        case bytes(Int), wantRead, wantWrite, closed, failed(String)
    }

    /// Outcome of one write.
    public enum WriteResult: Equatable {
        case wrote(Int), wantRead, wantWrite, closed, failed(String)
    }

    private let ssl: OpaquePointer

    init(ssl: OpaquePointer) {
        self.ssl = ssl
    }

    deinit {
        SSL_free(ssl)
    }

    /// Advances the handshake as far as the socket allows; call again on the readiness it asks for.
    public func handshake() -> Progress {
        OpenSSLError.clear()
        errno = 0
        let result = SSL_do_handshake(ssl)
        let savedErrno = errno
        if result == 1 {
            // From now on an idle connection gives its 16 KiB+ read/write buffers back. Not
            // during the handshake: there every flight would free, wipe and reallocate them.
            _ = wp_SSL_set_mode(ssl, WP_SSL_MODE_RELEASE_BUFFERS)
            return .complete
        }
        switch classify(result, savedErrno: savedErrno, operation: "TLS handshake") {
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        case .closed: return .failed("TLS handshake failed: peer closed the connection")
        case .failed(let line): return .failed(line)
        }
    }

    /// Decrypts into `buffer`. After `.bytes`, call again while `hasBufferedPlaintext` is true.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        OpenSSLError.clear()
        errno = 0
        let result = SSL_read(ssl, base, Int32(clamping: buffer.count))
        let savedErrno = errno
        if result > 0 { return .bytes(Int(result)) }
        switch classify(result, savedErrno: savedErrno, operation: "TLS read") {
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        case .closed: return .closed
        case .failed(let line): return .failed(line)
        }
    }

    /// Encrypts and sends a prefix of `bytes`; `.wrote(n)` may be less than `bytes.count`.
    ///
    /// After `.wantRead`/`.wantWrite`, retry with the same bytes (the buffer may move, but must
    /// start with the same content and be at least as long).
    public func write(_ bytes: UnsafeRawBufferPointer) -> WriteResult {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .wrote(0) }
        OpenSSLError.clear()
        errno = 0
        let result = SSL_write(ssl, base, Int32(clamping: bytes.count))
        let savedErrno = errno
        if result > 0 { return .wrote(Int(result)) }
        switch classify(result, savedErrno: savedErrno, operation: "TLS write") {
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        case .closed: return .closed
        case .failed(let line): return .failed(line)
        }
    }

    /// True while bytes wait inside OpenSSL (decrypted, or records read ahead and not yet
    /// processed): the socket will not signal them again, so the transport must keep reading.
    public var hasBufferedPlaintext: Bool {
        SSL_has_pending(ssl) == 1
    }

    /// Sends close_notify once, best effort; never waits for the peer's reply.
    public func shutdown() {
        OpenSSLError.clear()
        // Only meaningful after a completed handshake; mid-handshake it would just queue an error.
        if SSL_is_init_finished(ssl) == 1 {
            _ = SSL_shutdown(ssl)
        }
        OpenSSLError.clear()
    }

    /// "TLSv1.3", "TLSv1.2", ... once the handshake is complete.
    public var negotiatedProtocolVersion: String? {
        guard SSL_is_init_finished(ssl) == 1, let name = SSL_get_version(ssl) else { return nil }
        return String(cString: name)
    }

    /// The certificate the peer presented, if any (a client sees the server's).
    public var peerCertificate: CertificateInfo? {
        guard let cert = SSL_get0_peer_certificate(ssl) else { return nil }
        return CertificateInfo(x509: cert)
    }

    /// The chain and name verification outcome, also recorded when the context does not enforce it.
    public var verifyResult: (ok: Bool, message: String) {
        let code = SSL_get_verify_result(ssl)
        let text = X509_verify_cert_error_string(code).map { String(cString: $0) } ?? "verify error \(code)"
        return (code == Int(X509_V_OK), text)
    }

    // MARK: - Private

    private enum Outcome {
        case wantRead, wantWrite, closed, failed(String)
    }

    /// Maps a non-success return to an outcome and leaves the error queue empty.
    private func classify(_ result: Int32, savedErrno: Int32, operation: String) -> Outcome {
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            OpenSSLError.clear()
            return .closed
        case SSL_ERROR_SYSCALL:
            let queued = OpenSSLError.drain()
            if !queued.isEmpty { return .failed("\(operation) failed: \(queued)") }
            // Nothing queued and no errno: the peer closed the socket (EOF).
            if savedErrno == 0 { return .closed }
            return .failed("\(operation) failed: \(SystemErrorText.describe(savedErrno))")
        case SSL_ERROR_SSL:
            var line = OpenSSLError.drain(orElse: "protocol error")
            let verify = SSL_get_verify_result(ssl)
            if verify != Int(X509_V_OK), let text = X509_verify_cert_error_string(verify) {
                line += " (\(String(cString: text)))"
            }
            return .failed("\(operation) failed: \(line)")
        default:
            return .failed("\(operation) failed: SSL_get_error \(code) \(OpenSSLError.drain())")
        }
    }
}
