import PushCodec

/// The user token a request carries: `Authorization: Bearer <token>`, or EspoCRM's
/// `Espo-Authorization: base64(username:token)` (what the CRM's browser code sends). The
/// username part is ignored: the token's owner is who the caller is.
package enum UserCredentials {
    package static func token(from headers: HTTPHeaders) -> String? {
        if let bearer = bearer(headers) { return bearer }
        if let espo = headers.first("Espo-Authorization"), let decoded = Base64.decode(espo.trimmingSpaces()) {
            let text = String(decoding: decoded, as: UTF8.self)
            if let colon = text.firstIndex(of: ":") { return String(text[text.index(after: colon)...]) }
        }
        return nil
    }

    /// The value of `Authorization: Bearer <value>`, spaces around it removed.
    package static func bearer(_ headers: HTTPHeaders) -> String? {
        guard let header = headers.first("Authorization"), header.count > 7, header.prefix(7).caseInsensitiveEquals("Bearer ") else {
            return nil
        }
        let value = header.dropFirst(7).trimmingSpaces()
        return value.isEmpty ? nil : String(value)
    }
}
