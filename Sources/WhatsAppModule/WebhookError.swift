import PushCodec

/// Why a webhook body was refused: the HTTP status to answer with, a machine code and one sentence.
///
/// 400 when the body is not a JSON object at all; 422 when it is JSON but not a usable event
/// (no id, a field of the wrong type, no `data` for a message event). Nothing is stored either way.
public struct WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400 or 422.
    public var status: Int
    /// `empty_body`, `invalid_json`, `invalid_body`, `missing_event`, `missing_data`, `missing_id`,
    /// `missing_field` or `invalid_field`.
    public var code: String
    /// One human sentence that names the offending field by its JSON path.
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// The answer to the webhook's sender.
    package var httpError: HTTPError { HTTPError(status: status, code: code, message: message) }

    package static let emptyBody = WebhookError(status: 400, code: "empty_body", message: "The webhook body is empty.")

    package static func invalidJSON(_ reason: String) -> WebhookError {
        WebhookError(status: 400, code: "invalid_json", message: "The webhook body is not valid JSON: \(reason).")
    }

    package static let notAnObject = WebhookError(status: 400, code: "invalid_body", message: "The webhook body must be a JSON object.")

    package static let missingEvent = WebhookError(
        status: 422, code: "missing_event",
        message: "The body has neither a wwebjs-api \"dataType\" nor a WAHA \"event\" string.")

    package static func missingData(_ path: String, event: String) -> WebhookError {
        WebhookError(status: 422, code: "missing_data", message: "A \(event) event needs an object in \(path).")
    }

    package static func missingID(_ path: String) -> WebhookError {
        WebhookError(status: 422, code: "missing_id", message: "The message has no id (\(path) is missing or empty).")
    }

    package static func missingField(_ path: String) -> WebhookError {
        WebhookError(status: 422, code: "missing_field", message: "\(path) is required.")
    }

    package static func invalidField(_ path: String, expected: String, found: JSONValue) -> WebhookError {
        WebhookError(status: 422, code: "invalid_field", message: "\(path) must be \(expected), not \(found.kindName).")
    }
}

extension JSONValue {
    /// The JSON kind in words, for error messages (the value itself may be large or private).
    package var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
