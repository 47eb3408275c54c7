import PushCodec

extension FakeUpstream {
    /// The one session the fake simulates (whatever id a request names).
    public enum SessionState: Sendable, Equatable {
        /// No session: status `session_not_found`, `/client/*` and `/chat/*` answer 404.
        case absent
        /// Started, waiting for the QR code to be scanned: state `UNPAIRED`, a QR code is served.
        case waitingForScan
        /// Logged in: state `CONNECTED`, every route works.
        case connected
    }

    /// How a route misbehaves when told to.
    public enum Failure: Sendable, Equatable {
        /// Answer `status` with this JSON body.
        case status(Int, body: String)
        /// Answer Express's default HTML 404 page, as for a route wwebjs-api does not have.
        case expressNotFound
        /// Never answer (the connection stays open until the client gives up or the fake stops).
        case hang
        /// Close the connection without answering.
        case closeConnection
    }

    /// One request as the fake received it.
    public struct RecordedRequest: Sendable, Equatable {
        public var method: String
        /// The request target: path plus `?query`.
        public var target: String
        public var headers: HTTPHeaders
        public var body: [UInt8]

        public init(method: String, target: String, headers: HTTPHeaders, body: [UInt8]) {
            self.method = method
            self.target = target
            self.headers = headers
            self.body = body
        }

        /// The target without its query.
        public var path: String {
            guard let q = target.firstIndex(of: "?") else { return target }
            return String(target[..<q])
        }

        /// The first header named `name` (case-insensitive).
        public func header(_ name: String) -> String? { headers.first(name) }

        /// The body parsed as JSON, or nil.
        public var json: JSONValue? { try? JSONParser.parse(body) }

        /// The body as UTF-8 text.
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// What the webhook pump reports after each POST.
    public enum PumpEvent: Sendable, Equatable {
        /// Posted; the receiver answered `status`.
        case delivered(status: Int, chatId: String, messageId: String)
        /// The POST failed (connect, timeout, ...).
        case failed(String)
    }
}

/// Why the fake could not be created.
public struct FakeUpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// True when `path` is `route` itself or lies below it (`/session/status` matches `/session/status/abc`).
package func fakeUpstreamRouteMatches(_ route: String, _ path: String) -> Bool {
    var route = route
    while route.count > 1 && route.hasSuffix("/") { route.removeLast() }
    return path == route || path.hasPrefix(route + "/")
}
