import PushCodec

/// EspoCRM's `WebSocket\Submission` body (`{"topicId": ..., "userId": ..., ...data}`, one object
/// or an array) into publications, all validated before any is published. Shared by every
/// ingress that speaks that format (`POST /internal/publish`, EspoCRM's ZeroMQ sender), so each
/// refuses the same input with the same code and sentence (Docs/protocol.md).
package enum PublicationParser {
    package static func parse(_ body: [UInt8], _ publisher: Publisher) -> Result<[Publication], HTTPError> {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch {
            return .failure(HTTPError(status: 400, code: "invalid_json", message: "The body is not valid JSON: \(error.message)."))
        }
        let items: [JSONValue]
        switch json {
        case .array(let a): items = a
        case .object: items = [json]
        default:
            return .failure(HTTPError(status: 400, code: "invalid_body", message: "Send an event object or an array of them."))
        }
        var out: [Publication] = []
        for (i, item) in items.enumerated() {
            let position = items.count > 1 ? "Event \(i): " : ""
            guard case .object(let object) = item else {
                return .failure(HTTPError(status: 400, code: "invalid_body", message: "\(position)each event must be a JSON object."))
            }
            guard let topic = object["topicId"]?.stringValue, !topic.isEmpty else {
                return .failure(HTTPError(status: 400, code: "missing_topic", message: "\(position)each event needs a string topicId."))
            }
            var userId: String?
            if let u = object["userId"], !u.isNull {
                guard let s = u.stringValue else {
                    return .failure(HTTPError(status: 400, code: "invalid_user", message: "\(position)userId must be a string."))
                }
                userId = s
            }
            do { out.append(try publisher.prepare(topic: topic, payload: item, userId: userId)) } catch {
                let hint = publisher.categories.suggestion(for: topic).map { " Did you mean '\($0)'?" } ?? ""
                return .failure(HTTPError(status: 422, code: "unknown_topic", message: "\(position)\(error.message)\(hint)"))
            }
        }
        return .success(out)
    }
}
