import PushCodec

/// Checks that a webhook really comes from the configured upstream (`whatsapp.webhookSecret`).
///
/// Two senders, two schemes, one secret:
/// - wwebjs-api sends its API key verbatim in `x-api-key` (it has no signing);
/// - WAHA signs the raw body: `X-Webhook-Hmac` = lowercase hex HMAC-SHA512(secret, body),
///   announced by `X-Webhook-Hmac-Algorithm: sha512`.
/// Either one passing admits the request.
public enum WebhookVerifier {
    /// True when `headers` prove knowledge of `secret` for this exact `body`; an empty secret admits nothing.
    public static func verify(headers: HTTPHeaders, body: [UInt8], secret: String) -> Bool {
        guard !secret.isEmpty else { return false }
        return apiKeyMatches(headers, secret) || hmacMatches(headers, body, secret)
    }

    package static func apiKeyMatches(_ headers: HTTPHeaders, _ secret: String) -> Bool {
        // A repeated header is ambiguous: refuse rather than pick one.
        let keys = headers.all("x-api-key")
        guard keys.count == 1 else { return false }
        // Comparing digests keeps the time independent of the secret's length as well as its bytes.
        return Digest.constantTimeEqual(Digest.sha256(Array(keys[0].utf8)), Digest.sha256(Array(secret.utf8)))
    }

    package static func hmacMatches(_ headers: HTTPHeaders, _ body: [UInt8], _ secret: String) -> Bool {
        let signatures = headers.all("x-webhook-hmac")
        guard signatures.count == 1 else { return false }
        if let algorithm = headers.first("x-webhook-hmac-algorithm"),
           !algorithm.trimmingSpaces().caseInsensitiveEquals("sha512") { return false }
        let expected = Digest.hex(Digest.hmacSHA512(key: Array(secret.utf8), data: body))
        let presented = String(signatures[0].trimmingSpaces()).lowercased()
        return Digest.constantTimeEqual(Array(presented.utf8), Array(expected.utf8))
    }
}
