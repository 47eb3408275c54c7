import PushBroker
import PushCodec
import PushHTTP

/// `POST /internal/publish`: EspoCRM's `WebSocket\Submission` format, one object or an array
/// (Docs/protocol.md). The whole batch is validated before anything is published.
/// Backend only (`RouteAccess.backend`, checked by the router).
struct InternalPublishRoute: HTTPRoute {
    let publisher: Publisher

    func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        let publications: [Publication]
        switch PublicationParser.parse(request.body, publisher) {
        case .success(let p): publications = p
        case .failure(let error): return respond(.error(error))
        }
        publisher.publish(publications) { delivered in
            respond(.json(200, JSONValue.object(["accepted": .number(publications.count), "delivered": .number(delivered)])))
        }
    }
}
