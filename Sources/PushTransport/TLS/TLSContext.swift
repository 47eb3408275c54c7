import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A configured OpenSSL `SSL_CTX`: certificates, protocol floor, trust store. Sessions are made from it.
///
/// `@unchecked Sendable` because all configuration happens inside the factory methods, before the
/// object escapes; afterwards the only call made on the `SSL_CTX` is `SSL_new`, which OpenSSL 3
/// documents as thread-safe (the context is reference counted and its shared state is locked).
/// So every loop thread may create sessions from one shared context at once.
public final class TLSContext: @unchecked Sendable {
    /// The underlying `SSL_CTX*`; exposed to the package for tests that need unusual settings.
    package let ctx: OpaquePointer
    /// Whether client sessions made from this context abort the handshake on an untrusted peer.
    public let verifiesPeer: Bool

    private init(ctx: OpaquePointer, verifiesPeer: Bool) {
        self.ctx = ctx
        self.verifiesPeer = verifiesPeer
    }

    deinit {
        SSL_CTX_free(ctx)
    }

    /// A server context serving the PEM certificate chain (leaf first) and its PEM private key.
    ///
    /// Session cache: the server-side cache is OFF (it would keep an entry for each of tens of
    /// thousands of browsers), and TLS 1.3 tickets are not issued (below): every handshake is a
    /// full one, which costs less CPU here than issuing tickets to every client.
    public static func server(certificateChainPath: String, privateKeyPath: String) throws(TLSConfigError) -> TLSContext {
        try TLSFileCheck.requireReadableFile(certificateChainPath, role: "certificate")
        try TLSFileCheck.requireReadableFile(privateKeyPath, role: "key")
        let context = try make(method: TLS_server_method(), verifiesPeer: false, role: "server")
        let ctx = context.ctx
        _ = wp_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_OFF))
        // Read-ahead: one recv takes every record the client sent (a handshake flight is
        // several), instead of a 5-byte header read and a body read per record.
        wp_SSL_CTX_set_read_ahead(ctx, 1)
        // No TLS 1.3 session tickets (OpenSSL sends two by default). Measured here, each ticket
        // adds about 12 % to a full handshake, while a resumed TLS 1.3 handshake still does the
        // key exchange and issues a new ticket; for one WebSocket per page that is a net loss.
        // See Docs/decisions.md.
        _ = SSL_CTX_set_num_tickets(ctx, 0)

        OpenSSLError.clear()
        guard SSL_CTX_use_certificate_chain_file(ctx, certificateChainPath) == 1 else {
            throw TLSConfigError("TLS certificate \(certificateChainPath) is not valid PEM: \(OpenSSLError.drainRootCause(orElse: "no certificate found"))")
        }
        let key = try loadPrivateKey(path: privateKeyPath)
        defer { EVP_PKEY_free(key) }
        guard SSL_CTX_use_PrivateKey(ctx, key) == 1, SSL_CTX_check_private_key(ctx) == 1 else {
            _ = OpenSSLError.drain()
            throw TLSConfigError("TLS private key \(privateKeyPath) does not match certificate \(certificateChainPath)")
        }
        return context
    }

    /// A client context (doctor command, tests, load generator).
    ///
    /// The trust store is `caFile` when given (its certificates are trusted as they are, even a
    /// self-signed leaf, as `curl --cacert` does), else the system's default paths. It is loaded even
    /// when `verifyPeer` is false, so `TLSSession.verifyResult` can still report what is wrong.
    public static func client(verifyPeer: Bool, caFile: String? = nil) throws(TLSConfigError) -> TLSContext {
        if let caFile {
            try TLSFileCheck.requireReadableFile(caFile, role: "CA")
        }
        let context = try make(method: TLS_client_method(), verifiesPeer: verifyPeer, role: "client")
        let ctx = context.ctx
        SSL_CTX_set_verify(ctx, verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)

        OpenSSLError.clear()
        if let caFile {
            guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                throw TLSConfigError("TLS CA file \(caFile) is not valid PEM: \(OpenSSLError.drainRootCause(orElse: "no certificate found"))")
            }
            // A pinned self-signed leaf is a complete chain on its own.
            X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx), UInt(X509_V_FLAG_PARTIAL_CHAIN))
        } else if SSL_CTX_set_default_verify_paths(ctx) != 1 {
            let reason = OpenSSLError.drainRootCause(orElse: "unknown error")
            if verifyPeer {
                throw TLSConfigError("TLS system trust store could not be loaded: \(reason)")
            }
        }
        return context
    }

    /// A server-side session on an accepted, non-blocking socket; nil only if OpenSSL is out of memory.
    public func makeServerSession(fd: Int32) -> TLSSession? {
        guard let ssl = newSSL(fd: fd) else { return nil }
        SSL_set_accept_state(ssl)
        return TLSSession(ssl: ssl)
    }

    /// A client-side session on a connected, non-blocking socket.
    ///
    /// `serverName` is sent as SNI (unless it is an IP address, which SNI forbids) and is the name
    /// or IP the certificate must match; the result lands in `verifyResult`, and aborts the
    /// handshake when this context verifies peers.
    public func makeClientSession(fd: Int32, serverName: String?) -> TLSSession? {
        guard let ssl = newSSL(fd: fd) else { return nil }
        if let serverName, !serverName.isEmpty {
            let accepted: Bool
            if Self.isIPAddress(serverName) {
                accepted = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) == 1
            } else {
                SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
                accepted = wp_SSL_set_tlsext_host_name(ssl, serverName) == 1
                    && SSL_set1_host(ssl, serverName) == 1
            }
            guard accepted else {
                _ = OpenSSLError.drain()
                SSL_free(ssl)
                return nil
            }
        }
        SSL_set_connect_state(ssl)
        return TLSSession(ssl: ssl)
    }

    // MARK: - Private

    private static func make(method: OpaquePointer?, verifiesPeer: Bool, role: String) throws(TLSConfigError) -> TLSContext {
        OpenSSLError.clear()
        guard let ctx = SSL_CTX_new(method) else {
            throw TLSConfigError("TLS \(role) context could not be created: \(OpenSSLError.drainRootCause(orElse: "out of memory"))")
        }
        let context = TLSContext(ctx: ctx, verifiesPeer: verifiesPeer)
        guard wp_SSL_CTX_set_min_proto_version(ctx, WP_TLS1_2_VERSION) == 1 else {
            throw TLSConfigError("TLS \(role) context refused TLS 1.2 as minimum: \(OpenSSLError.drainRootCause(orElse: "unknown error"))")
        }
        // PARTIAL_WRITE + MOVING_WRITE_BUFFER: the transport writes from a queue of buffers
        // that may be reallocated between a wantWrite and the retry. (RELEASE_BUFFERS is set per
        // session once its handshake is done: see `TLSSession.handshake`.)
        _ = wp_SSL_CTX_set_mode(ctx, WP_SSL_MODE_ENABLE_PARTIAL_WRITE | WP_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        // No renegotiation (a CPU-exhaustion lever, and never needed here). A peer that closes
        // the socket without close_notify reads as a normal close: browsers do it all the time,
        // and WebSocket/HTTP framing already detects truncation.
        _ = wp_SSL_CTX_set_options(ctx, Int(WP_SSL_OP_NO_RENEGOTIATION | WP_SSL_OP_IGNORE_UNEXPECTED_EOF))
        return context
    }

    private func newSSL(fd: Int32) -> OpaquePointer? {
        OpenSSLError.clear()
        guard let ssl = SSL_new(ctx) else {
            _ = OpenSSLError.drain()
            return nil
        }
        // OpenSSL reads and writes the socket itself, unbuffered; the fd stays the transport's.
        guard let bio = NoSignalSocketBIO.make(fd: fd) else {
            _ = OpenSSLError.drain()
            SSL_free(ssl)
            return nil
        }
        SSL_set_bio(ssl, bio, bio) // one reference, owned by the SSL from here on
        return ssl
    }

    private static func loadPrivateKey(path: String) throws(TLSConfigError) -> OpaquePointer {
        OpenSSLError.clear()
        guard let bio = BIO_new_file(path, "r") else {
            throw TLSConfigError("TLS key file not readable: \(path) (\(OpenSSLError.drainRootCause(orElse: "unknown error")))")
        }
        defer { BIO_free(bio) }
        // Never prompt for a passphrase on the terminal: a server must start unattended.
        guard let key = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil) else {
            let reason = OpenSSLError.drainRootCause(orElse: "no private key found")
            if fileContains(path: path, marker: "ENCRYPTED") {
                throw TLSConfigError("TLS private key \(path) is protected by a passphrase; wamp-push needs an unencrypted key (openssl pkey -in \(path) -out key.pem)")
            }
            throw TLSConfigError("TLS private key \(path) is not valid PEM: \(reason)")
        }
        return key
    }

    private static func fileContains(path: String, marker: String) -> Bool {
        guard let file = fopen(path, "r") else { return false }
        defer { fclose(file) }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = fread(&chunk, 1, chunk.count, file)
        return String(decoding: chunk[0..<count], as: UTF8.self).contains(marker)
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
