import PushCodec
import PushTransport

/// Where a request came from, and who the router found behind it (`RouteAccess`).
package struct RequestContext: Sendable {
    package init(peer: SocketAddress?, listener: ListenerInfo, principal: Principal) {
        self.peer = peer
        self.listener = listener
        self.principal = principal
    }

    package let peer: SocketAddress?
    package let listener: ListenerInfo
    package let principal: Principal
}

package typealias Respond = @Sendable (HTTPResponse) -> Void

/// A plain HTTP door. `respond` may be called from any thread, exactly once.
package protocol HTTPRoute: Sendable {
    func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond)
    /// The router refused the request (its `RouteAccess` was not met); the route never ran.
    /// For counting; the router answers `error` itself.
    func refused(_ request: HTTPRequest, _ error: HTTPError)
}

/// A WebSocket door. `decide` may be called from any thread, exactly once.
package protocol UpgradeRoute: Sendable {
    func decide(_ request: HTTPRequest, _ upgrade: WebSocketHandshake.UpgradeRequest, _ context: RequestContext,
                _ decide: @escaping @Sendable (UpgradeDecision) -> Void)
}

extension HTTPRoute {
    package func refused(_ request: HTTPRequest, _ error: HTTPError) {}
}

/// Maps method + path to a route (Docs/security.md, "Routes"), and lets a request through only when the
/// door's declared `RouteAccess` is met: `policy` is consulted here, for every route, before
/// the route runs. Built once at start-up, then read-only.
package final class Router: Sendable {
    fileprivate struct Entry: Sendable {
        package let method: String
        package let path: String
        package let prefix: Bool
        package let access: RouteAccess
        package let route: any HTTPRoute
    }

    fileprivate struct Upgrade: Sendable {
        package let access: RouteAccess
        package let route: any UpgradeRoute
    }

    private let policy: any RouteAuthorizer
    private let entries: [Entry]
    private let upgrades: [String: Upgrade]

    package final class Builder {
        fileprivate var entries: [Entry] = []
        fileprivate var upgrades: [String: Upgrade] = [:]

        package func add(_ method: String, _ path: String, _ access: RouteAccess, _ route: any HTTPRoute) {
            entries.append(Entry(method: method, path: path, prefix: false, access: access, route: route))
        }

        /// Matches every path that starts with `prefix`.
        package func addPrefix(_ method: String, _ prefix: String, _ access: RouteAccess, _ route: any HTTPRoute) {
            entries.append(Entry(method: method, path: prefix, prefix: true, access: access, route: route))
        }

        package func upgrade(_ path: String, _ access: RouteAccess, _ route: any UpgradeRoute) {
            upgrades[path] = Upgrade(access: access, route: route)
        }
    }

    package init(policy: any RouteAuthorizer, _ configure: (Builder) -> Void) {
        let builder = Builder()
        configure(builder)
        self.policy = policy
        self.entries = builder.entries
        self.upgrades = builder.upgrades
    }

    package func handle(_ request: HTTPRequest, from connection: Connection, respond answer: @escaping Respond) {
        // HEAD is answered as GET without the body (RFC 9110 9.3.2), refusals and 404s included.
        let respond = request.head.method == "HEAD" ? Self.withoutBody(answer) : answer
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
        let peer = connection.peer, listener = connection.listener, route = entry.route
        policy.resolve(entry.access, request, peer: peer) { result in
            switch result {
            case .success(let principal):
                route.handle(request, RequestContext(peer: peer, listener: listener, principal: principal), respond)
            case .failure(let error):
                route.refused(request, error)
                respond(.error(error))
            }
        }
    }

    private static func withoutBody(_ respond: @escaping Respond) -> Respond {
        { response in
            var headOnly = response
            headOnly.omitsBody = true
            respond(headOnly)
        }
    }

    package func upgrade(_ request: HTTPRequest, _ upgrade: WebSocketHandshake.UpgradeRequest, from connection: Connection,
                 decide: @escaping @Sendable (UpgradeDecision) -> Void) {
        let path = String(request.head.path)
        guard let entry = upgrades[path] else {
            decide(.reject(.notFound("No WebSocket endpoint at \(path) (use /wss).")))
            return
        }
        let peer = connection.peer, listener = connection.listener
        policy.resolve(entry.access, request, peer: peer) { result in
            switch result {
            case .success(let principal):
                entry.route.decide(request, upgrade, RequestContext(peer: peer, listener: listener, principal: principal), decide)
            case .failure(var error):
                error.closeConnection = true
                decide(.reject(error))
            }
        }
    }
}

/// A route answered by a closure (for small doors such as /healthz).
package struct ClosureRoute: HTTPRoute {
    package let body: @Sendable (HTTPRequest, RequestContext, @escaping Respond) -> Void
    package init(_ body: @escaping @Sendable (HTTPRequest, RequestContext, @escaping Respond) -> Void) { self.body = body }
    package func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        body(request, context, respond)
    }
}

/// `/echo`: RFC 6455 echo for conformance suites, only when `diagnostics.echo` is on.
package struct EchoRoute: UpgradeRoute {
    package init() {}
    package func decide(_ request: HTTPRequest, _ upgrade: WebSocketHandshake.UpgradeRequest, _ context: RequestContext,
                _ decide: @escaping @Sendable (UpgradeDecision) -> Void) {
        decide(.accept(subprotocol: nil, make: { _ in EchoSession() }))
    }
}
