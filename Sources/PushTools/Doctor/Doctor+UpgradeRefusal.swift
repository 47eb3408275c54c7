import PushClient
import PushCodec
import PushServer
import PushTransport

extension Doctor {
    /// Who answered an HTTP request: wamp-push names itself in `Server` (a proxy such as nginx
    /// replaces the header with its own), and its error bodies are `{"error","message"}` JSON.
    package struct Answerer: Equatable {
        /// The `Server` header as received, nil when absent.
        package let server: String?
        /// True when the answer is wamp-push's own (header or body says so).
        package let isWampPush: Bool

        package init(_ response: HTTPClientResponse) {
            server = response.headers.first("Server")
            isWampPush = ServerIdentity.isWampPush(server) || Answerer.wampPushErrorMessage(response) != nil
        }

        /// `nginx/1.22.1`, or a description when the header is missing.
        package var name: String { server ?? "a server that sends no Server header" }

        /// How hints name the proxy: `nginx` for any nginx, else the header, else "the proxy".
        package var proxyName: String {
            guard let server, !server.isEmpty else { return "the proxy" }
            return server.lowercased().hasPrefix("nginx") ? "nginx" : server
        }

        /// The `message` of wamp-push's JSON error body (`{"error":"...","message":"..."}`).
        package static func wampPushErrorMessage(_ response: HTTPClientResponse) -> String? {
            guard let body = try? JSONParser.parse(response.body), body["error"]?.stringValue != nil else { return nil }
            return body["message"]?.stringValue
        }
    }

    /// The upgrade answered with something other than 101, 401 or 403: name the cause.
    package static func upgradeRefusal(_ response: HTTPClientResponse, _ status: String) -> DoctorStep {
        let answerer = Answerer(response)
        let via = ServerIdentity.isWampPush(answerer.server) ? ""
            : answerer.isWampPush ? " from wamp-push through \(answerer.name)" : " from \(answerer.name)"
        let message = Answerer.wampPushErrorMessage(response)
        switch response.status {
        case 426 where message != nil && response.headers.first("Sec-WebSocket-Version") == nil:
            // wamp-push's GET /wss door: the request arrived without Upgrade (the legacy setup).
            return .failed(.upgrade, "\(status)\(via): wamp-push received a plain GET, the proxy does not forward WebSocket",
                           hint: DoctorHints.upgradeHeadersDropped)
        case 426:
            return .failed(.upgrade, "\(status)\(via): the WebSocket version was not accepted",
                           hint: "a proxy rewrote the WebSocket headers (wamp-push needs Sec-WebSocket-Version: 13). "
                              + "Forward them unchanged, e.g. in nginx:\n" + DoctorHints.nginxBlock)
        case 400 where message?.contains("HTTP/1.1") == true:
            return .failed(.upgrade, "\(status)\(via): wamp-push received the upgrade over HTTP/1.0, the proxy does not forward WebSocket",
                           hint: DoctorHints.proxyHTTP10)
        case 400 where message?.contains("Connection header") == true || message?.contains("Upgrade header") == true:
            return .failed(.upgrade, "\(status)\(via): \(message!)", hint: DoctorHints.upgradeHeadersDropped)
        case 502 where !answerer.isWampPush:
            return .failed(.upgrade, "\(status)\(via): \(answerer.proxyName) cannot reach its upstream",
                           hint: DoctorHints.proxyCannotReachUpstream(answerer.proxyName))
        case 504 where !answerer.isWampPush:
            return .failed(.upgrade, "\(status)\(via): \(answerer.proxyName) timed out waiting for its upstream",
                           hint: DoctorHints.proxyUpstreamTimeout(answerer.proxyName))
        default:
            return .failed(.upgrade, describeRefusal(response, status) + via, hint: DoctorHints.proxyDoesNotForward(status))
        }
    }

    /// The upgrade step's line for a 101: says whether wamp-push answered directly or a proxy did.
    package static func switched(_ response: HTTPClientResponse) -> DoctorStep {
        let server = response.headers.first("Server")
        if ServerIdentity.isWampPush(server) {
            return .passed(.upgrade, "101 Switching Protocols from \(server!) (no proxy in between)")
        }
        let who = server.map { "through \($0)" } ?? "without a Server header"
        return .passed(.upgrade, "101 Switching Protocols \(who): a proxy in front of wamp-push forwards WebSocket")
    }
}
