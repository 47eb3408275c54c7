import FuzzSupport
import PushCodec

/// WAMP v1 codec, both directions: the server decoding client messages and our clients decoding
/// server messages. Checks: no crash; every error reason fits a close frame (≤ 120 bytes); every
/// decoded message, encoded again, decodes to itself; an EVENT's fan-out fast path writes exactly
/// the bytes of the plain encoder and the size it predicted; PREFIX registration and CURIE
/// resolution hold their documented rules.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let client = Result { () throws(WAMPError) in try WAMPCodec.decodeClientMessage(bytes) }
    switch client {
    case .failure(let error): checkReason(error)
    case .success(let message):
        let again = Result { () throws(WAMPError) in try WAMPCodec.decodeClientMessage(WAMPCodec.encode(message)) }
        invariant(again == .success(message), "client message \(message) re-decodes to \(again)")
        checkPrefixes(message)
    }
    let server = Result { () throws(WAMPError) in try WAMPCodec.decodeServerMessage(bytes) }
    switch server {
    case .failure(let error): checkReason(error)
    case .success(let message):
        let again = Result { () throws(WAMPError) in try WAMPCodec.decodeServerMessage(encode(message)) }
        invariant(again == .success(message), "server message \(message) re-decodes to \(again)")
        if case .event(let topic, let payload) = message { checkEventFastPath(topic: topic, payload: payload) }
    }
    return 0
}

@main
enum FuzzWAMP {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

func checkReason(_ error: WAMPError) {
    invariant(error.message.utf8.count <= WAMPError.maxMessageBytes, "reason of \(error.message.utf8.count) bytes")
    invariant(!error.message.isEmpty, "empty reason")
}

func encode(_ message: WAMPServerMessage) -> [UInt8] {
    switch message {
    case .welcome(let sessionId, let version, let ident):
        WAMPCodec.welcome(sessionId: sessionId, protocolVersion: version, serverIdent: ident)
    case .callResult(let callId, let result):
        WAMPCodec.callResult(callId: callId, result: result)
    case .callError(let callId, let uri, let description, let details):
        WAMPCodec.callError(callId: callId, errorURI: uri, description: description, details: details)
    case .event(let topic, let payload):
        WAMPCodec.event(topic: topic, payload: payload)
    }
}

func checkEventFastPath(topic: String, payload: JSONValue) {
    let plain = WAMPCodec.event(topic: topic, payload: payload)
    let raw = payload.jsonBytes
    let fast = raw.withUnsafeBytes { WAMPCodec.event(topic: topic, rawPayloadJSON: $0) }
    invariant(fast == plain, "fast-path EVENT differs from the plain encoder")
    invariant(WAMPCodec.eventSize(topic: topic, payloadCount: raw.count) == plain.count, "eventSize is wrong")
}

/// A PREFIX registers; `prefix:rest` then resolves to `uri + rest`; other strings stay as they are.
func checkPrefixes(_ message: WAMPClientMessage) {
    var table = PrefixTable()
    switch message {
    case .prefix(let prefix, let uri):
        invariant(table.set(prefix: prefix, uri: uri), "first prefix refused")
        let curie = prefix + ":rest"
        if !prefix.utf8.contains(UInt8(ascii: ":")) {
            invariant(table.resolve(curie) == uri + "rest", "\(curie) resolves to \(table.resolve(curie))")
        }
        invariant(table.resolve("nocolon") == "nocolon", "a string without a colon changed")
    case .subscribe(let topic), .unsubscribe(let topic), .publish(let topic, _, _):
        invariant(table.resolve(topic) == topic, "an empty table changed \(topic)")
    case .call(_, let procURI, _):
        invariant(table.resolve(procURI) == procURI, "an empty table changed \(procURI)")
    }
}
