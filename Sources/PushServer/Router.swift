import PushCodec
import PushTransport

/// Where a request came from (for authorization rules that depend on the peer).
struct RequestContext: Sendable {
    let peer: SocketAddress?
    let listener: ListenerInfo
}

typealias Respond = @Sendable (HTTPResponse) -> Void

/// A plain HTTP door. `respond` may be called from any queue, exactly once.
protocol HTTPRoute: Sendable {
    func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond)
}

/// A WebSocket door. `decide` may be called from any queue, exactly once.
protocol UpgradeRoute: Sendable {
    func decide(_ request: HTTPRequest, _ upgrade: WebSocketHandshake.UpgradeRequest, _ context: RequestContext,
                _ decide: @escaping @Sendable (UpgradeDecision) -> Void)
}

/// Maps method + path to a door (SPEC section 3). Built once at start-up, then read-only.
final class Router: Sendable {
    fileprivate struct Entry: Sendable {
        let method: String
        let path: String
        let prefix: Bool
        let route: any HTTPRoute
    }

    private let entries: [Entry]
    private let upgrades: [String: any UpgradeRoute]

    final class Builder {
        fileprivate var entries: [Entry] = []
        fileprivate var upgrades: [String: any UpgradeRoute] = [:]

        func add(_ method: String, _ path: String, _ route: any HTTPRoute) {
            entries.append(Entry(method: method, path: path, prefix: false, route: route))
        }

        /// Matches every path that starts with `prefix`.
        func addPrefix(_ method: String, _ prefix: String, _ route: any HTTPRoute) {
            entries.append(Entry(method: method, path: prefix, prefix: true, route: route))
        }

        func upgrade(_ path: String, _ route: any UpgradeRoute) { upgrades[path] = route }
    }

    init(_ configure: (Builder) -> Void) {
        let builder = Builder()
        configure(builder)
        self.entries = builder.entries
        self.upgrades = builder.upgrades
    }

    func handle(_ request: HTTPRequest, from connection: Connection, respond: @escaping Respond) {
        let path = request.head.path
        let matches = entries.filter { $0.prefix ? path.hasPrefix($0.path) : path == $0.path }
        guard !matches.isEmpty else {
            respond(.error(.notFound("No route for \(request.head.method) \(path).")))
            return
        }
        let method = request.head.method == "HEAD" ? "GET" : request.head.method
        guard let entry = matches.first(where: { $0.method == method }) else {
            let allowed = Set(matches.map(\.method)).sorted().joined(separator: ", ")
            var error = HTTPError.methodNotAllowed("\(path) accepts \(allowed), not \(request.head.method).")
            error.headers.append(("Allow", allowed))
            respond(.error(error))
            return
        }
        entry.route.handle(request, RequestContext(peer: connection.peer, listener: connection.listener), respond)
    }

    func upgrade(_ request: HTTPRequest, _ upgrade: WebSocketHandshake.UpgradeRequest, from connection: Connection,
                 decide: @escaping @Sendable (UpgradeDecision) -> Void) {
        let path = String(request.head.path)
        guard let route = upgrades[path] else {
            decide(.reject(.notFound("No WebSocket endpoint at \(path) (use /wss).")))
            return
        }
        route.decide(request, upgrade, RequestContext(peer: connection.peer, listener: connection.listener), decide)
    }
}

/// A route answered by a closure (for small doors such as /healthz).
struct ClosureRoute: HTTPRoute {
    let body: @Sendable (HTTPRequest, RequestContext, @escaping Respond) -> Void
    func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        body(request, context, respond)
    }
}

/// `/echo`: RFC 6455 echo for conformance suites, only when `diagnostics.echo` is on.
struct EchoRoute: UpgradeRoute {
    func decide(_ request: HTTPRequest, _ upgrade: WebSocketHandshake.UpgradeRequest, _ context: RequestContext,
                _ decide: @escaping @Sendable (UpgradeDecision) -> Void) {
        decide(.accept(subprotocol: nil, make: { _ in EchoSession() }))
    }
}
