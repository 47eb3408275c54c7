import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The facts about an X.509 certificate that explain a failed TLS connection (doctor command).
public struct CertificateInfo: Equatable, Sendable {
    /// Subject in RFC 2253 form, e.g. "CN=localhost".
    public var subject: String
    /// Issuer in RFC 2253 form.
    public var issuer: String
    /// subjectAltName DNS entries, in certificate order.
    public var dnsNames: [String]
    /// subjectAltName IP entries as text ("127.0.0.1", "::1"), in certificate order.
    public var ipAddresses: [String]
    /// Start of validity, unix seconds (0 if the certificate's time could not be read).
    public var notBefore: Int64
    /// End of validity, unix seconds (0 if the certificate's time could not be read).
    public var notAfter: Int64
    /// True when the certificate is signed by its own key (no separate CA).
    public var isSelfSigned: Bool

    /// Builds the summary of an `X509*` (borrowed, not freed).
    init(x509: OpaquePointer) {
        subject = Self.nameText(X509_get_subject_name(x509))
        issuer = Self.nameText(X509_get_issuer_name(x509))
        (dnsNames, ipAddresses) = Self.alternativeNames(x509)
        notBefore = Self.unixSeconds(X509_get0_notBefore(x509))
        notAfter = Self.unixSeconds(X509_get0_notAfter(x509))
        isSelfSigned = X509_self_signed(x509, 1) == 1
        OpenSSLError.clear()
    }

    /// Summarises the first certificate of a PEM text; nil when there is none.
    public init?(pem: String) {
        OpenSSLError.clear()
        let parsed: OpaquePointer? = pem.utf8CString.withUnsafeBufferPointer { chars in
            guard let bio = BIO_new_mem_buf(chars.baseAddress, Int32(clamping: chars.count - 1)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_X509(bio, nil, nil, nil)
        }
        guard let x509 = parsed else {
            OpenSSLError.clear()
            return nil
        }
        defer { X509_free(x509) }
        self.init(x509: x509)
    }

    /// True when `now` (unix seconds) is past `notAfter`.
    public func isExpired(now: Int64) -> Bool {
        now > notAfter
    }

    // MARK: - Private

    private static func nameText(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, WP_XN_FLAG_RFC2253) >= 0 else { return "" }
        return OpenSSLMemoryBIO.string(bio)
    }

    private static func alternativeNames(_ x509: OpaquePointer) -> ([String], [String]) {
        guard let raw = X509_get_ext_d2i(x509, NID_subject_alt_name, nil, nil) else { return ([], []) }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var dns: [String] = []
        var ips: [String] = []
        for index in 0..<OPENSSL_sk_num(names) {
            guard let entry = OPENSSL_sk_value(names, index)?.assumingMemoryBound(to: GENERAL_NAME.self) else { continue }
            switch entry.pointee.type {
            case GEN_DNS:
                if let bytes = stringBytes(entry.pointee.d.dNSName) {
                    dns.append(String(decoding: bytes, as: UTF8.self))
                }
            case GEN_IPADD:
                if let bytes = stringBytes(entry.pointee.d.iPAddress), let text = ipText(bytes) {
                    ips.append(text)
                }
            default:
                continue
            }
        }
        return (dns, ips)
    }

    private static func stringBytes(_ string: UnsafeMutablePointer<ASN1_STRING>?) -> [UInt8]? {
        guard let string, let data = ASN1_STRING_get0_data(string) else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))))
    }

    private static func ipText(_ bytes: [UInt8]) -> String? {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) != nil
        }
        guard ok, let end = text.firstIndex(of: 0) else { return nil }
        return String(decoding: text[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func unixSeconds(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard let time else { return 0 }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return 0 }
        return Int64(timegm(&parts))
    }
}

/// Reads the contents of an OpenSSL memory BIO.
enum OpenSSLMemoryBIO {
    /// The bytes written to `bio` so far, as UTF-8 text.
    static func string(_ bio: OpaquePointer) -> String {
        var start: UnsafeMutablePointer<CChar>?
        let length = wp_BIO_get_mem_data(bio, &start)
        guard let start, length > 0 else { return "" }
        let bytes = UnsafeRawBufferPointer(start: start, count: length)
        return String(decoding: bytes, as: UTF8.self)
    }
}
