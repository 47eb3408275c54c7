import PushCodec

/// Typed, path-aware reads from one JSON object of a webhook body.
///
/// `null` counts as absent (JavaScript senders write `undefined` and `null` interchangeably);
/// a present value of the wrong kind is an error naming its full path, never silently coerced.
package struct WebhookFields {
    package let object: JSONObject
    /// Dotted path of `object` inside the body (`data.message`); empty for the top level.
    package let path: String

    package init(_ object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    /// The dotted path of member `key`.
    package func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member's value, or nil when it is missing or `null`.
    package func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    package func contains(_ key: String) -> Bool { value(key) != nil }

    package func string(_ key: String) throws(WebhookError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else { throw .invalidField(path(key), expected: "a string", found: value) }
        return string
    }

    package func bool(_ key: String) throws(WebhookError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.boolValue else { throw .invalidField(path(key), expected: "a boolean", found: value) }
        return bool
    }

    package func int(_ key: String) throws(WebhookError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let wide = value.int64Value, let int = Int(exactly: wide) else {
            throw .invalidField(path(key), expected: "an integer", found: value)
        }
        return int
    }

    package func object(_ key: String) throws(WebhookError) -> WebhookFields? {
        guard let value = value(key) else { return nil }
        guard let object = value.objectValue else { throw .invalidField(path(key), expected: "an object", found: value) }
        return WebhookFields(object, path: path(key))
    }

    /// A WhatsApp id written as a string or as wwebjs's `{…, "_serialized": "…"}`; nil when absent,
    /// `{}`, or empty.
    package func serializedID(_ key: String) throws(WebhookError) -> String? {
        guard let value = value(key) else { return nil }
        switch value {
        case .string(let string):
            return string.isEmpty ? nil : string
        case .object(let object):
            return try WebhookFields(object, path: path(key)).string("_serialized").flatMap { $0.isEmpty ? nil : $0 }
        default:
            throw .invalidField(path(key), expected: "a string or an object with _serialized", found: value)
        }
    }

    /// Unix seconds from a number, a numeric string or a date string (see `WebhookTimestamp`).
    package func timestamp(_ key: String) throws(WebhookError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard let seconds = WebhookTimestamp.seconds(from: value) else {
            throw .invalidField(path(key), expected: "unix seconds or an ISO 8601 date", found: value)
        }
        return seconds
    }
}
