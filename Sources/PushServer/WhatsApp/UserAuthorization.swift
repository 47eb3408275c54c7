import PushCodec

/// User authentication of the WhatsApp REST actions: `Authorization: Bearer <token>`, or
/// EspoCRM's `Espo-Authorization: base64(username:token)` (what the CRM's browser code sends).
struct UserAuthorization: Sendable {
    let authenticator: TokenAuthenticator

    /// The token a request carries, or nil.
    static func token(from headers: HTTPHeaders) -> String? {
        if let bearer = headers.first("Authorization"), bearer.count > 7, bearer.prefix(7).caseInsensitiveEquals("Bearer ") {
            return String(bearer.dropFirst(7)).trimmingCharacters(in: " ")
        }
        if let espo = headers.first("Espo-Authorization"), let decoded = Base64.decode(espo.trimmingSpaces()) {
            let text = String(decoding: decoded, as: UTF8.self)
            if let colon = text.firstIndex(of: ":") { return String(text[text.index(after: colon)...]) }
        }
        return nil
    }

    /// Calls `completion` with the user id, or with the 401/403 (429 from a quota of `source`) to answer.
    func check(_ request: HTTPRequest, source: String? = nil, completion: @escaping @Sendable (Result<String, HTTPError>) -> Void) {
        guard let token = Self.token(from: request.head.headers) else {
            return completion(.failure(HTTPError(status: 401, code: "unauthorized",
                message: "Send Authorization: Bearer <token> or Espo-Authorization: base64(username:token).",
                headers: [("WWW-Authenticate", "Bearer")])))
        }
        authenticator.authenticateOwner(token: token, source: source) { outcome in
            switch outcome {
            case .admitted(let userId, _): completion(.success(userId))
            case .unauthorized(let m): completion(.failure(HTTPError(status: 401, code: "unauthorized", message: m)))
            case .forbidden(let m): completion(.failure(HTTPError(status: 403, code: "forbidden", message: m)))
            case .refused(let refusal): completion(.failure(refusal))
            }
        }
    }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
