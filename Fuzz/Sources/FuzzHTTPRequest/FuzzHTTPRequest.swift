import FuzzSupport
import PushCodec

/// HTTP/1.1 request parser (`HTTPParser`). Checks, for every input, under the default limits and
/// under tight ones: no crash; the requests and the error are the same whether the bytes arrive
/// whole, one byte per read or in two reads; each request respects the limits; every error closes
/// the connection.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    for limits in [HTTPLimits(), HTTPLimits(maxHeaderBytes: 256, maxRequestBytes: 64, maxHeaderCount: 4)] {
        let cuts = Cuts.all(bytes)
        let whole = RequestOutcome(feeding: cuts[0], limits: limits)
        whole.checkLimits(limits)
        for cut in cuts.dropFirst() {
            let other = RequestOutcome(feeding: cut, limits: limits)
            invariant(other == whole, "\(cut.count) reads gave \(other), one read gave \(whole)")
        }
    }
    return 0
}

@main
enum FuzzHTTPRequest {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

/// Everything a connection would see from one byte stream.
struct RequestOutcome: Equatable, CustomStringConvertible {
    var requests: [HTTPRequest] = []
    var error: HTTPError?
    /// What the connection would hand on after the last request (only compared without an error:
    /// after one, later reads are ignored, so the buffered bytes depend on where the stream was cut).
    var leftover: [UInt8] = []
    var idle = false

    init(feeding pieces: [ArraySlice<UInt8>], limits: HTTPLimits) {
        var parser = HTTPParser(limits: limits)
        pieces: for (index, piece) in pieces.enumerated() {
            // Both append paths: the transport uses the raw-buffer one.
            if index % 2 == 0 {
                parser.append(Array(piece))
            } else {
                Array(piece).withUnsafeBytes { parser.append($0) }
            }
            while true {
                do {
                    guard let request = try parser.next() else { break }
                    requests.append(request)
                    // Touch the accessors the server uses on every request.
                    _ = request.head.path
                    _ = request.head.query
                    _ = request.head.queryValue("authToken")
                    _ = request.head.keepAlive
                } catch {
                    self.error = error
                    // Failures are final: asking again gives the same error.
                    do { _ = try parser.next(); invariant(false, "next() after \(error) returned") } catch let again {
                        invariant(again == error, "second failure \(again) differs from \(error)")
                    }
                    break pieces
                }
            }
        }
        if error == nil {
            idle = parser.isIdle
            leftover = parser.takeBufferedBytes()
        }
    }

    func checkLimits(_ limits: HTTPLimits) {
        for request in requests {
            invariant(request.body.count <= limits.maxRequestBytes, "body of \(request.body.count) bytes passed the limit")
            invariant(request.head.headers.fields.count <= limits.maxHeaderCount, "\(request.head.headers.fields.count) headers passed the limit")
            let version = request.head.version
            invariant(version == .http1_0 || version == .http1_1, "version \(version) accepted")
            invariant(!request.head.method.isEmpty && !request.head.target.isEmpty, "empty method or target accepted")
        }
        if let error {
            invariant(error.closeConnection, "parse error \(error) keeps the connection open")
            invariant([400, 413, 431, 501, 505].contains(error.status), "unexpected status in \(error)")
            checkErrorResponse(error)
        }
    }

    /// The error answer the server writes must read back, through our own client parser, as the
    /// same status with the JSON error body (Docs/security.md) naming the same code and message.
    private func checkErrorResponse(_ error: HTTPError) {
        var client = HTTPResponseParser()
        client.append(HTTPResponse.error(error).encode(keepAlive: false))
        guard let response = try? client.next() else { return invariant(false, "error response for \(error) does not parse") }
        invariant(response.status == error.status, "error response has status \(response.status)")
        invariant(!response.head.keepAlive, "error response keeps the connection alive")
        let body = try? JSONParser.parse(response.body)
        invariant(body?["error"]?.stringValue == error.code && body?["message"]?.stringValue == error.message,
                  "error body \(response.bodyString()) does not carry \(error)")
    }

    var description: String {
        "\(requests.count) requests \(requests.map { "\($0.head.method) \($0.head.target) body \($0.body.count)" }), "
            + "error \(error.map(String.init(describing:)) ?? "none"), leftover \(leftover.count) bytes, idle \(idle)"
    }
}
