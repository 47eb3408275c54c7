import FuzzSupport
import PushCodec

/// The WebSocket opening handshake (`WebSocketHandshake`, RFC 6455 §4.2) and the request target
/// accessors the upgrade reads its credentials through (`path`, `query`, `queryValue`).
///
/// The input is used twice. As an HTTP request stream, every parsed request's handshake verdict
/// must be consistent: an accepted upgrade is a GET over HTTP/1.1 with a Host, the Upgrade and
/// Connection tokens, one `Sec-WebSocket-Version: 13` and one key of 16 base64 bytes; its 101
/// answer reads back through `HTTPResponseParser` with the right `Sec-WebSocket-Accept` and a
/// subprotocol only when offered; a refusal is 400, or 426 naming version 13, with a one-line
/// message. As a query string (its visible ASCII, which is all the request parser lets into a
/// target), `queryValue` must agree with a plain reference splitter for every name in it, and
/// `path`/`query` must split origin- and absolute-form targets (RFC 9112 §3.2.2) as documented.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    var parser = HTTPParser()
    parser.append(bytes)
    for _ in 0..<4 {
        guard let request = try? parser.next() else { break }
        checkTarget(request.head)
        checkHandshake(request.head)
    }
    let query = String(decoding: bytes.filter { $0 > 0x20 && $0 < 0x7F }, as: UTF8.self)
    for target in ["/wss?" + query, "http://push.example:8080/wss?" + query] {
        let head = HTTPRequestHead(method: "GET", target: target)
        invariant(head.path == "/wss", "path of \(target) is \(head.path)")
        invariant(head.query.map(String.init) == query, "query of \(target) is \(String(describing: head.query))")
        checkQueryValues(head, query)
    }
    return 0
}

@main
enum FuzzHandshake {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

func checkTarget(_ head: HTTPRequestHead) {
    let path = head.path
    invariant(!path.isEmpty && !path.contains("?"), "path \(path) of \(head.target)")
    if head.target.hasPrefix("/") {
        invariant(head.target.hasPrefix(String(path)), "path \(path) is not the start of \(head.target)")
    } else if head.target != "*" {
        invariant(path.hasPrefix("/"), "absolute-form \(head.target) has path \(path)")
    }
    if let q = head.target.firstIndex(of: "?") {
        invariant(head.query == head.target[head.target.index(after: q)...], "query of \(head.target)")
    } else {
        invariant(head.query == nil, "query without a ? in \(head.target)")
    }
}

func checkHandshake(_ head: HTTPRequestHead) {
    switch WebSocketHandshake.validate(head) {
    case .success(let upgrade):
        let headers = head.headers
        invariant(head.method == "GET" && head.version == .http1_1, "\(head.method) \(head.version) upgraded")
        invariant(headers.first("Host").map { !$0.trimmingSpaces().isEmpty } == true, "upgrade without a Host")
        invariant(WebSocketHandshake.isUpgradeRequest(head), "upgrade without Upgrade: websocket")
        invariant(headers.containsToken("upgrade", in: "Connection"), "upgrade without Connection: Upgrade")
        invariant(headers.all("Sec-WebSocket-Version").map { String($0.trimmingSpaces()) } == ["13"], "version \(headers.all("Sec-WebSocket-Version"))")
        invariant(headers.count("Sec-WebSocket-Key") == 1 && Base64.decode(upgrade.key)?.count == 16, "key \(upgrade.key)")
        invariant(upgrade.offeredProtocols == headers.tokens("Sec-WebSocket-Protocol"), "offered \(upgrade.offeredProtocols)")
        checkSwitchingProtocols(upgrade)
    case .failure(let error):
        invariant(error.status == 400 || error.status == 426, "refusal \(error)")
        if error.status == 426 {
            invariant(error.headers.contains { $0.0 == "Sec-WebSocket-Version" && $0.1 == "13" }, "426 without the version: \(error)")
        }
        invariant(!error.message.isEmpty && !error.message.contains("\n"), "refusal message \(error.message)")
        if head.method != "GET" { invariant(error.status == 400, "\(head.method) refused with \(error.status)") }
    }
}

/// The 101 the server writes, read back as a client does.
func checkSwitchingProtocols(_ upgrade: WebSocketHandshake.UpgradeRequest) {
    let accept = WebSocketHandshake.acceptValue(forKey: upgrade.key)
    invariant(accept.utf8.count == 28 && Base64.decode(accept)?.count == 20, "accept value \(accept)")
    let chosen = WebSocketHandshake.chooseSubprotocol(offered: upgrade.offeredProtocols, supported: ["wamp"])
    invariant(chosen == (upgrade.offeredProtocols.contains("wamp") ? "wamp" : nil), "chose \(String(describing: chosen))")
    var client = HTTPResponseParser()
    client.append(WebSocketHandshake.switchingProtocolsResponse(accept: accept, subprotocol: chosen))
    guard let response = try? client.next() else { return invariant(false, "the 101 does not parse") }
    let headers = response.head.headers
    invariant(response.status == 101, "status \(response.status)")
    invariant(headers.containsToken("websocket", in: "Upgrade") && headers.containsToken("upgrade", in: "Connection"), "101 headers")
    invariant(headers.first("Sec-WebSocket-Accept") == accept, "accept header \(String(describing: headers.first("Sec-WebSocket-Accept")))")
    invariant(headers.first("Sec-WebSocket-Protocol") == chosen, "subprotocol header")
}

/// `queryValue` against a reference: split at `&`, then at the first `=`, form-decode both sides
/// (`+` is a space, `%XX` a byte, a malformed escape stays as it is); the first name that decodes
/// to the one asked for wins, and a parameter without `=` has the value "".
func checkQueryValues(_ head: HTTPRequestHead, _ query: String) {
    let pairs = query.split(separator: "&", omittingEmptySubsequences: false).prefix(16).map { piece -> (String, String) in
        guard let eq = piece.firstIndex(of: "=") else { return (referenceDecode(piece), "") }
        return (referenceDecode(piece[..<eq]), referenceDecode(piece[piece.index(after: eq)...]))
    }
    var names = Set(pairs.map(\.0))
    names.formUnion(["authToken", "userId", ""])
    for name in names {
        let expected = pairs.first { $0.0 == name }?.1
        let actual = head.queryValue(name)
        // Past the 16 pieces the reference looked at, a later match may be found: only a found value is compared then.
        if expected == nil && pairs.count == 16 { continue }
        invariant(actual == expected, "queryValue(\(name)) is \(String(describing: actual)), the reference says \(String(describing: expected))")
    }
}

func referenceDecode(_ text: Substring) -> String {
    let bytes = Array(text.utf8)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "+") {
            out.append(UInt8(ascii: " "))
            i += 1
        } else if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let high = hexDigit(bytes[i + 1]), let low = hexDigit(bytes[i + 2]) {
            out.append(high * 16 + low)
            i += 3
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    default: nil
    }
}
