import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Development certificates made with the OpenSSL API (no `openssl` command needed).
///
/// Shape: EC P-256 key, SHA-256 signature, v3, random 159-bit serial, subject = issuer = CN,
/// subjectAltName with every DNS name and IP, basicConstraints critical CA:FALSE, keyUsage
/// critical digitalSignature + keyCertSign, extendedKeyUsage serverAuth, subject/authority key ids.
/// Why this mix: CA:FALSE keeps browsers (Firefox refuses a CA certificate as a server
/// certificate) and strict verifiers happy; keyCertSign is what makes OpenSSL recognise the
/// certificate as self-signed, so a client that trusts the file (`curl --cacert cert.pem`, PHP
/// streams, our doctor) verifies it without extra flags. keyEncipherment is left out: it names
/// RSA key transport, which an EC key cannot do.
public enum SelfSignedCertificate {
    /// Generates a certificate and its unencrypted PKCS#8 key, both PEM.
    /// `validFrom` is unix seconds; a past `validFrom` with few `validDays` yields an expired certificate.
    public static func generate(
        commonName: String = "localhost",
        dnsNames: [String] = ["localhost"],
        ipAddresses: [String] = ["127.0.0.1", "::1"],
        validFrom: Int64 = Int64(time(nil)) - 60,
        validDays: Int = 825
    ) throws(TLSConfigError) -> (certificatePEM: String, privateKeyPEM: String) {
        try validate(commonName: commonName, dnsNames: dnsNames, ipAddresses: ipAddresses, validDays: validDays)
        OpenSSLError.clear()
        let key = try makeKey()
        defer { EVP_PKEY_free(key) }
        guard let cert = X509_new() else { throw failure("X509_new") }
        defer { X509_free(cert) }

        try check(X509_set_version(cert, 2), "X509_set_version") // 2 means v3
        try setRandomSerial(cert)
        let notAfter = validFrom + Int64(validDays) * 86_400
        try check(ASN1_TIME_set(X509_getm_notBefore(cert), time_t(validFrom)) != nil ? 1 : 0, "notBefore")
        try check(ASN1_TIME_set(X509_getm_notAfter(cert), time_t(notAfter)) != nil ? 1 : 0, "notAfter")
        let name = X509_get_subject_name(cert)
        try check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0), "subject CN")
        try check(X509_set_issuer_name(cert, name), "issuer")
        try check(X509_set_pubkey(cert, key), "public key")

        let altNames = dnsNames.map { "DNS:\($0)" } + ipAddresses.map { "IP:\($0)" }
        var extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature,keyCertSign"),
            (NID_ext_key_usage, "serverAuth"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ]
        if !altNames.isEmpty {
            extensions.append((NID_subject_alt_name, altNames.joined(separator: ",")))
        }
        for (nid, value) in extensions {
            try addExtension(cert, nid: nid, value: value)
        }
        guard X509_sign(cert, key, EVP_sha256()) > 0 else { throw failure("signing") }
        return (try pem { PEM_write_bio_X509($0, cert) }, try pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) })
    }

    /// Makes `directory/cert.pem` and `directory/key.pem` (key mode 0600) unless both exist.
    /// `created` tells whether new files were written. Only one of the two present is an error:
    /// overwriting it could destroy a real key.
    public static func writeIfMissing(directory: String) throws(TLSConfigError) -> (certPath: String, keyPath: String, created: Bool) {
        let certPath = directory + "/cert.pem"
        let keyPath = directory + "/key.pem"
        let certExists = access(certPath, F_OK) == 0
        let keyExists = access(keyPath, F_OK) == 0
        if certExists && keyExists { return (certPath, keyPath, false) }
        if certExists || keyExists {
            let present = certExists ? certPath : keyPath
            let missing = certExists ? keyPath : certPath
            throw TLSConfigError("TLS directory \(directory) has \(present) but not \(missing); supply both files or remove the other one")
        }
        try makeDirectories(directory)
        let generated = try generate()
        try writeNewFile(keyPath, contents: generated.privateKeyPEM, mode: 0o600)
        do {
            try writeNewFile(certPath, contents: generated.certificatePEM, mode: 0o644)
        } catch {
            unlink(keyPath)
            throw error
        }
        return (certPath, keyPath, true)
    }

    // MARK: - Private

    private static func validate(commonName: String, dnsNames: [String], ipAddresses: [String], validDays: Int) throws(TLSConfigError) {
        // The CN becomes an X.509 string of at most 64 characters (RFC 5280 ub-common-name).
        guard !commonName.isEmpty, commonName.count <= 64,
              !commonName.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw TLSConfigError("TLS certificate generation: invalid common name \"\(commonName)\"")
        }
        // These go into an OpenSSL config string; only hostname characters may pass (no ',' or ':').
        let hostCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*")
        for dnsName in dnsNames where dnsName.isEmpty || !dnsName.allSatisfy(hostCharacters.contains) {
            throw TLSConfigError("TLS certificate generation: invalid DNS name \"\(dnsName)\"")
        }
        for ip in ipAddresses where !TLSContext.isIPAddress(ip) {
            throw TLSConfigError("TLS certificate generation: invalid IP address \"\(ip)\"")
        }
        guard validDays >= 0, validDays <= 36_500 else {
            throw TLSConfigError("TLS certificate generation: validDays must be between 0 and 36500, got \(validDays)")
        }
    }

    private static func makeKey() throws(TLSConfigError) -> OpaquePointer {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw failure("EC key context") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
              EVP_PKEY_generate(context, &key) == 1,
              let key else {
            throw failure("EC P-256 key generation")
        }
        return key
    }

    private static func setRandomSerial(_ cert: OpaquePointer) throws(TLSConfigError) {
        guard let number = BN_new() else { throw failure("serial") }
        defer { BN_free(number) }
        // 159 random bits: positive and within the 20 octets RFC 5280 allows.
        guard BN_rand(number, 159, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1,
              BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert)) != nil else {
            throw failure("serial")
        }
    }

    private static func addExtension(_ cert: OpaquePointer, nid: Int32, value: String) throws(TLSConfigError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, cert, cert, nil, nil, 0)
        guard let ext = X509V3_EXT_nconf_nid(nil, &context, nid, value) else {
            throw failure("extension \(value)")
        }
        defer { X509_EXTENSION_free(ext) }
        try check(X509_add_ext(cert, ext, -1), "extension \(value)")
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) throws(TLSConfigError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw failure("memory BIO") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw failure("PEM encoding") }
        return OpenSSLMemoryBIO.string(bio)
    }

    private static func check(_ result: Int32, _ step: String) throws(TLSConfigError) {
        if result != 1 { throw failure(step) }
    }

    private static func failure(_ step: String) -> TLSConfigError {
        TLSConfigError("TLS certificate generation failed at \(step): \(OpenSSLError.drainRootCause(orElse: "unknown error"))")
    }

    private static func makeDirectories(_ directory: String) throws(TLSConfigError) {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw TLSConfigError("TLS directory \(directory) could not be created: \(SystemErrorText.describe(errno))")
            }
        }
    }

    private static func writeNewFile(_ path: String, contents: String, mode: mode_t) throws(TLSConfigError) {
        // O_EXCL + mode at creation: the key is never readable by others, not even briefly.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else {
            throw TLSConfigError("TLS file \(path) could not be created: \(SystemErrorText.describe(errno))")
        }
        defer { close(fd) }
        var bytes = Array(contents.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                let code = errno
                unlink(path)
                throw TLSConfigError("TLS file \(path) could not be written: \(SystemErrorText.describe(code))")
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
