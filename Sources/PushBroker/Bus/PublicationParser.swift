import PushCodec
import PushHTTP

/// EspoCRM's `WebSocket\Submission` body (`{"topicId": ..., "userId": ..., ...data}`, one object
/// or an array) into publications, all validated before any is published. Shared by every
/// ingress that speaks that format (`POST /internal/publish`, EspoCRM's ZeroMQ sender), so each
/// refuses the same input with the same code and sentence (Docs/protocol.md).
package enum PublicationParser {
    package static func parse(_ body: [UInt8], _ publisher: Publisher) -> Result<[Publication], HTTPError> {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch {
            return .failure(.invalidJSON("The body is not valid JSON: \(error.message)."))
        }
        let items: [JSONValue]
        switch json {
        case .array(let a): items = a
        case .object: items = [json]
        default:
            return .failure(.invalidBody("Send an event object or an array of them."))
        }
        var out: [Publication] = []
        for (i, item) in items.enumerated() {
            let position = items.count > 1 ? "Event \(i): " : ""
            guard case .object(let object) = item else {
                return .failure(.invalidBody("\(position)each event must be a JSON object."))
            }
            guard let topic = object["topicId"]?.stringValue, !topic.isEmpty else {
                return .failure(.missingTopic("\(position)each event needs a string topicId."))
            }
            var userId: String?
            if let u = object["userId"], !u.isNull {
                guard let s = u.stringValue else {
                    return .failure(.invalidUser("\(position)userId must be a string."))
                }
                userId = s
            }
            do { out.append(try publisher.prepare(topic: topic, payload: item, userId: userId)) } catch {
                let hint = publisher.categories.suggestion(for: topic).map { " Did you mean '\($0)'?" } ?? ""
                return .failure(.unknownTopic("\(position)\(error.message)\(hint)"))
            }
        }
        return .success(out)
    }
}

/// Codes the Submission format's validation answers with (every ingress maps them alike).
extension HTTPError {
    /// `400`: an event without a string `topicId`.
    package static func missingTopic(_ message: String) -> HTTPError { HTTPError(status: 400, code: "missing_topic", message: message) }
    /// `400`: a `userId` that is not a string.
    package static func invalidUser(_ message: String) -> HTTPError { HTTPError(status: 400, code: "invalid_user", message: message) }
    /// `422`: a topic in no declared category.
    package static func unknownTopic(_ message: String) -> HTTPError { HTTPError(status: 422, code: "unknown_topic", message: message) }
}
