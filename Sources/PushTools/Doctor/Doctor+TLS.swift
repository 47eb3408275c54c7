import PushClient
import PushTransport

extension Doctor {
    /// The TCP and TLS steps. For wss both run on one connection: a separate plain TCP probe
    /// would reach the TLS listener as a connection that closes before its ClientHello, which
    /// the server rightly logs as a failed handshake.
    package func checkConnectAndTLS(_ url: ClientURL) -> ([DoctorStep], TLSContext?) {
        guard url.isSecure else {
            let tcp = checkConnect(url)
            return (tcp.ok ? [tcp, .passed(.tls, "not used (\(url.scheme)://)")] : [tcp], nil)
        }
        let context: TLSContext
        do {
            context = try TLSContext.client(verifyPeer: false, caFile: options.caFile)
        } catch {
            let tcp = checkConnect(url)
            return (tcp.ok ? [tcp, .failed(.tls, "\(error)", hint: "--cacert must name a readable PEM file, e.g. data/tls/cert.pem")] : [tcp], nil)
        }
        let connection: ClientConnection
        do {
            connection = try ClientConnection(url: url, tls: context, connectTimeout: options.timeout)
        } catch {
            if error.kind == .connect || (error.kind == .timeout && error.message.contains("connecting to")) {
                return ([.failed(.connect, error.message, hint: Self.connectHint(error, url))], nil)
            }
            return ([Self.connected(url, nil), .failed(.tls, error.message, hint: Self.handshakeHint(error, url))], nil)
        }
        // close() sends close_notify, so the server sees an orderly TLS close.
        defer { connection.close() }
        let tcp = Self.connected(url, connection.remoteAddress)
        let (step, vetted) = examine(connection, url, context)
        return ([tcp, step], vetted)
    }

    /// Examines the certificate of a completed handshake; the context (verification off) is
    /// returned for later steps once vetted.
    package func examine(_ connection: ClientConnection, _ url: ClientURL, _ context: TLSContext) -> (DoctorStep, TLSContext?) {
        guard let session = connection.tlsSession, let certificate = session.peerCertificate else {
            return (.failed(.tls, "the server presented no certificate", hint: "configure cert and key on the TLS listener"), nil)
        }
        let version = session.negotiatedProtocolVersion ?? "TLS"
        let problem = Self.certificateProblem(certificate, verify: session.verifyResult, url: url, now: Self.now())
        guard let problem else {
            return (.passed(.tls, "\(version), certificate \(certificate.subject) valid until \(Self.date(certificate.notAfter)), verified"), context)
        }
        if options.insecure {
            return (.passed(.tls, "\(version), accepted with --insecure although \(problem.detail)"), context)
        }
        return (.failed(.tls, problem.detail, hint: problem.hint), nil)
    }

    /// What is wrong with the server's certificate, most specific first: dates, name, trust.
    package static func certificateProblem(_ certificate: CertificateInfo, verify: (ok: Bool, message: String),
                                   url: ClientURL, now: Int64) -> (detail: String, hint: String)? {
        if certificate.notAfter != 0 && certificate.isExpired(now: now) {
            return ("the certificate \(certificate.subject) expired on \(date(certificate.notAfter))",
                    "renew the certificate (the development one: delete data/tls/cert.pem and key.pem and restart wamp-push)")
        }
        if certificate.notBefore > now {
            return ("the certificate \(certificate.subject) is not valid before \(date(certificate.notBefore))",
                    "check the clock of the server and of this machine")
        }
        if !matches(certificate, host: url.host) {
            let names = certificate.dnsNames + certificate.ipAddresses
            let listed = names.isEmpty ? "no subjectAltName" : names.joined(separator: ", ")
            return ("the certificate does not name \(url.host) (it lists \(listed))",
                    "connect with a name the certificate lists, or issue one whose subjectAltName includes \(url.host)")
        }
        guard !verify.ok else { return nil }
        if certificate.isSelfSigned {
            return ("the certificate \(certificate.subject) is self-signed and not trusted (\(verify.message))", DoctorHints.selfSigned)
        }
        return ("certificate verification failed: \(verify.message) (issuer \(certificate.issuer))",
                "serve the full chain (fullchain.pem) on the listener, or trust the issuing CA with --cacert CA.pem")
    }

    /// subjectAltName check as browsers do it: IP entries for addresses, DNS entries (one-label
    /// wildcards) for names; the subject CN is not consulted.
    package static func matches(_ certificate: CertificateInfo, host: String) -> Bool {
        if (try? SocketAddress(host: host, port: 0)) != nil {
            return certificate.ipAddresses.contains { $0.lowercased() == host }
        }
        return certificate.dnsNames.contains { pattern in
            let pattern = pattern.lowercased()
            if pattern == host { return true }
            guard pattern.hasPrefix("*."), let dot = host.firstIndex(of: ".") else { return false }
            return host[dot...] == pattern.dropFirst()
        }
    }

    package static func handshakeHint(_ error: ClientError, _ url: ClientURL) -> String {
        let text = error.message.lowercased()
        if text.contains("wrong version number") || text.contains("packet length") || text.contains("http request") {
            return "\(url.authority) does not speak TLS: use ws:// for a plain listener, or the port of the TLS listener"
        }
        if error.kind == .timeout {
            return "no TLS answer from \(url.authority): the port may be plain (try ws://) or a proxy holds the connection"
        }
        return "the TLS handshake failed: check the cert and key of the listener (wamp-push logs them at start)"
    }
}
