import PushCodec

/// Who may call the backend doors (`/internal/publish`, `/internal/tokens`), SPEC section 6:
/// with `publishSecret` set, `Authorization: Bearer <secret>` (missing → 401, wrong → 403);
/// without one, loopback peers only (others → 403).
struct BackendAuthorization: Sendable {
    let secret: String?

    func check(_ request: HTTPRequest, _ context: RequestContext) -> HTTPError? {
        guard let secret else {
            if context.peer?.isLoopback == true { return nil }
            return HTTPError(status: 403, code: "forbidden",
                             message: "Without a publishSecret configured, only loopback clients may use this endpoint.")
        }
        guard let header = request.head.headers.first("Authorization") else {
            return HTTPError(status: 401, code: "unauthorized", message: "Send Authorization: Bearer <publishSecret>.",
                             headers: [("WWW-Authenticate", "Bearer")])
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).caseInsensitiveEquals(prefix),
              Digest.constantTimeEqual(Array(header.dropFirst(prefix.count).utf8), Array(secret.utf8)) else {
            return HTTPError(status: 403, code: "forbidden", message: "The bearer secret is wrong.")
        }
        return nil
    }
}

extension HTTPResponse {
    static func json(_ status: Int, _ value: JSONValue) -> HTTPResponse { .json(status, value.jsonString) }
}
