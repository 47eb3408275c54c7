import Glibc
import PushClient
import PushCodec
import PushTransport

/// `wamp-push doctor`: walks the path a browser takes to receive a push — TCP, TLS, the HTTP
/// upgrade, the `wamp` subprotocol, the token, WELCOME, SUBSCRIBE — then publishes through
/// `/internal/publish` and waits for the EVENT to come back. Stops at the first failure.
public struct Doctor: Sendable {
    public let options: DoctorOptions

    /// Creates a doctor for `options`.
    public init(options: DoctorOptions) { self.options = options }

    /// Runs the checks in order; the last step is the first failure, if any.
    /// Steps not run are absent (the report prints them as skipped).
    public func run() -> [DoctorStep] {
        var steps: [DoctorStep] = []
        let url: ClientURL
        do {
            url = try ClientURL.parse(options.url)
        } catch {
            return [.failed(.connect, error.message, hint: "pass a URL like wss://host:8443/wss or ws://127.0.0.1:8080/wss")]
        }
        guard url.scheme == "ws" || url.scheme == "wss" else {
            return [.failed(.connect, "\(options.url) is not a WebSocket URL",
                            hint: "pass the URL a browser connects to, e.g. wss://\(url.authority)/wss")]
        }
        let (connectSteps, tls) = checkConnectAndTLS(url)
        steps += connectSteps
        guard steps.count == 2, steps.last?.ok == true else { return steps }

        let (sessionSteps, socket, proxy) = openSession(url, tls: tls)
        steps += sessionSteps
        guard let socket, steps.last?.ok == true else { return steps }
        defer { socket.close() }

        steps.append(subscribe(socket))
        guard steps.last?.ok == true else { return steps }
        steps += publishAndWait(url, tls: tls, socket: socket, proxy: proxy)
        return steps
    }

    // MARK: - TCP

    package func checkConnect(_ url: ClientURL) -> DoctorStep {
        // Connect as plain TCP even for wss, so a TCP problem is never mistaken for a TLS one.
        let plain = ClientURL(scheme: "ws", host: url.host, port: url.port, path: url.path)
        do {
            let connection = try ClientConnection(url: plain, connectTimeout: options.timeout)
            defer { connection.close() }
            return Self.connected(url, connection.remoteAddress)
        } catch {
            return .failed(.connect, error.message, hint: Self.connectHint(error, url))
        }
    }

    package static func connected(_ url: ClientURL, _ remote: SocketAddress?) -> DoctorStep {
        let address = remote.map { "\($0)" } ?? url.authority
        let via = address == url.authority ? "" : " (\(address))"
        return .passed(.connect, "\(url.authority)\(via) accepts connections")
    }

    package static func connectHint(_ error: ClientError, _ url: ClientURL) -> String {
        if error.kind == .timeout {
            return "no answer from \(url.authority) within the deadline: a firewall drops the packets, or the host is wrong"
        }
        if error.message.hasPrefix("resolve") {
            return "the name \(url.host) does not resolve: check the host in the URL and the DNS"
        }
        return DoctorHints.nothingListens(url.authority)
    }

    // MARK: - Time

    package static func now() -> Int64 { Int64(time(nil)) }

    /// `2026-11-15 04:22:20 UTC`.
    package static func date(_ unixSeconds: Int64) -> String {
        var seconds = time_t(unixSeconds)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "\(unixSeconds)" }
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) UTC"
    }
}
