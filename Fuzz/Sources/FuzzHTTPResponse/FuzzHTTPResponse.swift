import FuzzSupport
import PushCodec

/// HTTP/1.1 response parser (`HTTPResponseParser`), as our clients use it. Checks, for answers
/// to GET and to HEAD, with the default and with a tiny body limit: no crash; the responses, the
/// error and the end-of-stream result are the same however the bytes are cut into reads; bodies
/// respect the limit; bodiless statuses have no body; after a 101 nothing more is parsed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    for method in ["GET", "HEAD"] {
        for maxBodyBytes in [64 << 20, 16] {
            let cuts = Cuts.all(bytes)
            let whole = ResponseOutcome(feeding: cuts[0], method: method, maxBodyBytes: maxBodyBytes)
            whole.check(method: method, maxBodyBytes: maxBodyBytes)
            for cut in cuts.dropFirst() {
                let other = ResponseOutcome(feeding: cut, method: method, maxBodyBytes: maxBodyBytes)
                invariant(other == whole, "\(cut.count) reads gave \(other), one read gave \(whole)")
            }
        }
    }
    return 0
}

@main
enum FuzzHTTPResponse {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

struct ResponseOutcome: Equatable, CustomStringConvertible {
    var responses: [HTTPClientResponse] = []
    var error: HTTPError?
    /// Bytes left after a 101 (the new protocol's) or after the last response; only without an error.
    var leftover: [UInt8] = []

    init(feeding pieces: [ArraySlice<UInt8>], method: String, maxBodyBytes: Int) {
        var parser = HTTPResponseParser(maxBodyBytes: maxBodyBytes)
        do {
            for (index, piece) in pieces.enumerated() {
                if index % 2 == 0 {
                    parser.append(Array(piece))
                } else {
                    Array(piece).withUnsafeBytes { parser.append($0) }
                }
                while let response = try parser.next(requestMethod: method) {
                    responses.append(response)
                    _ = response.head.keepAlive
                }
            }
            if let last = try parser.finishAtEOF() { responses.append(last) }
            leftover = parser.takeBufferedBytes()
        } catch {
            self.error = error
            do { _ = try parser.next(requestMethod: method); invariant(false, "next() after \(error) returned") } catch let again {
                invariant(again == error, "second failure \(again) differs from \(error)")
            }
        }
    }

    func check(method: String, maxBodyBytes: Int) {
        for (index, response) in responses.enumerated() {
            let status = response.status
            invariant((100...999).contains(status), "status \(status) accepted")
            invariant(response.body.count <= maxBodyBytes, "body of \(response.body.count) bytes passed the limit")
            if method == "HEAD" || (100..<200).contains(status) || status == 204 || status == 304 {
                invariant(response.body.isEmpty, "a \(status) answer to \(method) has a body")
            }
            if status == 101 { invariant(index == responses.count - 1, "a response was parsed after a 101") }
        }
        if let error {
            invariant(error.status == 502 && error.closeConnection, "unexpected error \(error)")
        }
    }

    var description: String {
        "\(responses.count) responses \(responses.map { "\($0.status) body \($0.body.count)" }), "
            + "error \(error.map(String.init(describing:)) ?? "none"), leftover \(leftover.count) bytes"
    }
}
