import PushCodec

extension HTTPResponse {
    package static func json(_ status: Int, _ value: JSONValue) -> HTTPResponse { .json(status, value.jsonString) }
}
