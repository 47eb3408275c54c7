import PushBroker
import PushCodec
import PushHTTP
import PushTransport

/// `GET /console`: the live console page (only registered when `diagnostics.console` is on).
struct ConsolePageRoute: HTTPRoute {
    /// Inline script and style are the page itself; everything else is refused, and the page may
    /// only talk to its own origin (counters) and to WebSocket endpoints (the WAMP client).
    static let contentSecurityPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        + "img-src data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    private let body = Array(ConsolePage.html.utf8)

    func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        var response = HTTPResponse(status: 200, body: body)
        response.headers.add("Content-Type", "text/html; charset=utf-8")
        response.headers.add("Cache-Control", "no-store")
        response.headers.add("Content-Security-Policy", Self.contentSecurityPolicy)
        response.headers.add("X-Content-Type-Options", "nosniff")
        // The query may carry a token; never leak it to another origin.
        response.headers.add("Referrer-Policy", "no-referrer")
        respond(response)
    }
}

/// `GET /console/stats`: the counters the console polls, as one flat JSON object.
struct ConsoleStatsRoute: HTTPRoute {
    let stats: BrokerStats
    let group: LoopGroup

    func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        var response = HTTPResponse.json(200, Self.render(connections: group.connectionCount, stats: stats))
        response.headers.add("Cache-Control", "no-store")
        respond(response)
    }

    /// The body, keys in a fixed order so it is easy to read and to test.
    static func render(connections: Int, stats: BrokerStats) -> String {
        "{\"connections\":\(connections),\"sessions\":\(stats.sessionCount),\"subscriptions\":\(stats.subscriptionCount),"
            + "\"topics\":\(stats.topicCount),\"eventsPublished\":\(stats.publishedCount),\"eventsDelivered\":\(stats.deliveredCount)}"
    }
}
