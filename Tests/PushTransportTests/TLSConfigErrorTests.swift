import COpenSSL
import Glibc
import PushTransport
import Testing

@Suite struct TLSConfigErrorTests {
    private func serverError(cert: String, key: String) -> TLSConfigError? {
        do {
            _ = try TLSContext.server(certificateChainPath: cert, privateKeyPath: key)
            return nil
        } catch {
            return error
        }
    }

    @Test func server_rejectsMissingCertificateFile_namingIt() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let missing = directory.path + "/tls/cert.pem"

        let error = serverError(cert: missing, key: identity.keyPath)

        #expect(error?.message == "TLS certificate file not found: \(missing)")
        #expect(error.map { "\($0)" } == "TLS certificate file not found: \(missing)")
    }

    @Test func server_rejectsMissingKeyFile_namingIt() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let missing = directory.path + "/nokey.pem"

        #expect(serverError(cert: identity.certPath, key: missing)?.message == "TLS key file not found: \(missing)")
    }

    @Test func server_rejectsDirectoryAsCertificate() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)

        #expect(serverError(cert: directory.path, key: identity.keyPath)?.message
            == "TLS certificate path is a directory, not a file: \(directory.path)")
    }

    @Test(.enabled(if: geteuid() != 0, "root reads any file"))
    func server_rejectsUnreadableKey_withSystemReason() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        #expect(chmod(identity.keyPath, 0) == 0)

        #expect(serverError(cert: identity.certPath, key: identity.keyPath)?.message
            == "TLS key file not readable: \(identity.keyPath) (Permission denied)")
    }

    @Test func server_rejectsGarbageCertificate_withOpenSSLReason() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let garbage = try directory.write("garbage.pem", "this is not a certificate\n")

        #expect(serverError(cert: garbage, key: identity.keyPath)?.message
            == "TLS certificate \(garbage) is not valid PEM: error:0480006C:PEM routines::no start line")
        #expect(ERR_peek_error() == 0)
    }

    @Test func server_rejectsGarbageKey_withOpenSSLReason() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let garbage = try directory.write("garbage-key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")

        let message = serverError(cert: identity.certPath, key: garbage)?.message ?? ""

        #expect(message.hasPrefix("TLS private key \(garbage) is not valid PEM: error:"))
        #expect(!message.contains("\n"))
    }

    @Test func server_rejectsCertificateGivenAsKey() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)

        #expect(serverError(cert: identity.certPath, key: identity.certPath)?.message
            == "TLS private key \(identity.certPath) is not valid PEM: error:1E08010C:DECODER routines::unsupported")
    }

    @Test func server_rejectsKeyOfAnotherCertificate() throws {
        let directory = try TLSTemporaryDirectory()
        let first = try TLSServerIdentity(in: directory, name: "first")
        let second = try TLSServerIdentity(in: directory, name: "second")

        #expect(serverError(cert: first.certPath, key: second.keyPath)?.message
            == "TLS private key \(second.keyPath) does not match certificate \(first.certPath)")
        #expect(ERR_peek_error() == 0)
    }

    @Test func server_rejectsPassphraseProtectedKey_withoutPrompting() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let encrypted = directory.path + "/encrypted-key.pem"
        try directory.write("encrypted-key.pem", try encryptedKeyPEM(fromFile: identity.keyPath))

        #expect(serverError(cert: identity.certPath, key: encrypted)?.message
            == "TLS private key \(encrypted) is protected by a passphrase; wamp-push needs an unencrypted key (openssl pkey -in \(encrypted) -out key.pem)")
    }

    @Test func client_rejectsMissingCAFile() throws {
        let missing = "/nonexistent/wamp-push/ca.pem"

        #expect(throws: TLSConfigError("TLS CA file not found: \(missing)")) {
            try TLSContext.client(verifyPeer: true, caFile: missing)
        }
    }

    @Test func client_rejectsCAFileWithoutCertificates() throws {
        let directory = try TLSTemporaryDirectory()
        let empty = try directory.write("empty.pem", "")

        #expect(throws: TLSConfigError("TLS CA file \(empty) is not valid PEM: error:05800088:x509 certificate routines::no certificate or crl found")) {
            try TLSContext.client(verifyPeer: true, caFile: empty)
        }
    }

    @Test func client_usesSystemTrustStore_withoutCAFile() throws {
        let context = try TLSContext.client(verifyPeer: true)

        #expect(context.verifiesPeer)
    }

    /// Re-encodes a PEM key with a passphrase, as `openssl pkey -aes256` would.
    private func encryptedKeyPEM(fromFile path: String) throws -> String {
        let bio = try #require(BIO_new_file(path, "r"))
        defer { BIO_free(bio) }
        let key = try #require(PEM_read_bio_PrivateKey(bio, nil, nil, nil))
        defer { EVP_PKEY_free(key) }
        let out = try #require(BIO_new(BIO_s_mem()))
        defer { BIO_free(out) }
        var passphrase = Array("secret".utf8)
        let written = passphrase.withUnsafeMutableBufferPointer {
            PEM_write_bio_PrivateKey(out, key, EVP_aes_256_cbc(), $0.baseAddress, Int32($0.count), nil, nil)
        }
        try #require(written == 1)
        var start: UnsafeMutablePointer<CChar>?
        let length = wp_BIO_get_mem_data(out, &start)
        let base = try #require(start)
        return String(decoding: UnsafeRawBufferPointer(start: base, count: length), as: UTF8.self)
    }
}
