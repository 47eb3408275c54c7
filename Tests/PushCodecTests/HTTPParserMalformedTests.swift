import Testing
import PushCodec

/// One malformed input and the exact error it must produce.
struct HTTPMalformedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let raw: String
    let status: Int
    let code: String
    var testDescription: String { name }

    static func bad(_ name: String, _ raw: String) -> Self { Self(name: name, raw: raw, status: 400, code: "bad_request") }
}

private let head = "POST / HTTP/1.1\r\nHost: a\r\n"
private let chunkedHead = head + "Transfer-Encoding: chunked\r\n\r\n"

private let malformedCases: [HTTPMalformedCase] = [
    .bad("two-part request line", "GET /\r\nHost: a\r\n\r\n"),
    .bad("four-part request line", "GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n"),
    .bad("double space in request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
    .bad("empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n"),
    .bad("non-token method", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n"),
    .bad("target without slash", "GET healthz HTTP/1.1\r\nHost: a\r\n\r\n"),
    .bad("asterisk for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n"),
    .bad("absolute form with ftp", "GET ftp://example.test/ HTTP/1.1\r\nHost: a\r\n\r\n"),
    .bad("control char in target", "GET /a\u{01}b HTTP/1.1\r\nHost: a\r\n\r\n"),
    .bad("lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n"),
    .bad("version without dot", "GET / HTTP/11\r\nHost: a\r\n\r\n"),
    .bad("version with suffix", "GET / HTTP/1.1x\r\nHost: a\r\n\r\n"),
    HTTPMalformedCase(name: "HTTP/2.0", raw: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505, code: "http_version_not_supported"),
    HTTPMalformedCase(name: "HTTP/1.2", raw: "GET / HTTP/1.2\r\nHost: a\r\n\r\n", status: 505, code: "http_version_not_supported"),
    HTTPMalformedCase(name: "HTTP/0.9", raw: "GET / HTTP/0.9\r\n\r\n", status: 505, code: "http_version_not_supported"),
    .bad("bare CR in request line", "GET / HTTP/1.1\rHost: a\r\n\r\n"),
    .bad("bare CR in header value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"),
    .bad("header without colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n"),
    .bad("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
    .bad("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"),
    .bad("empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n"),
    .bad("non-token field name", "GET / HTTP/1.1\r\nHost: a\r\nX(y): v\r\n\r\n"),
    .bad("obsolete line folding", "GET / HTTP/1.1\r\nHost: a\r\nX: first\r\n  continued\r\n\r\n"),
    .bad("folding right after request line", "GET / HTTP/1.1\r\n\tHost: a\r\n\r\n"),
    .bad("NUL in field value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{00}b\r\n\r\n"),
    .bad("DEL in field value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7F}b\r\n\r\n"),
    .bad("escape char in field value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1B}b\r\n\r\n"),
    .bad("Content-Length with Transfer-Encoding", head + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc"),
    .bad("Content-Length not digits", head + "Content-Length: 12a\r\n\r\n"),
    .bad("Content-Length negative", head + "Content-Length: -1\r\n\r\n"),
    .bad("Content-Length with plus", head + "Content-Length: +5\r\n\r\n"),
    .bad("Content-Length empty", head + "Content-Length:\r\n\r\n"),
    .bad("Content-Length differing list", head + "Content-Length: 5, 6\r\n\r\n"),
    .bad("Content-Length differing fields", head + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"),
    .bad("Content-Length overflow", head + "Content-Length: 99999999999999999999999\r\n\r\n"),
    HTTPMalformedCase(name: "Transfer-Encoding gzip", raw: head + "Transfer-Encoding: gzip\r\n\r\n", status: 501, code: "not_implemented"),
    HTTPMalformedCase(name: "Transfer-Encoding gzip, chunked", raw: head + "Transfer-Encoding: gzip, chunked\r\n\r\n", status: 501, code: "not_implemented"),
    HTTPMalformedCase(name: "Transfer-Encoding identity", raw: head + "Transfer-Encoding: identity\r\n\r\n", status: 501, code: "not_implemented"),
    .bad("chunked not last", head + "Transfer-Encoding: chunked, gzip\r\n\r\n"),
    .bad("chunked not last across fields", head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"),
    .bad("chunked twice", head + "Transfer-Encoding: chunked, chunked\r\n\r\n"),
    .bad("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    .bad("empty Transfer-Encoding", head + "Transfer-Encoding:\r\n\r\n"),
    .bad("non-hex chunk size", chunkedHead + "zz\r\n"),
    .bad("empty chunk size", chunkedHead + ";ext\r\n"),
    .bad("chunk size with 17 digits", chunkedHead + "00000000000000001\r\nx\r\n0\r\n\r\n"),
    .bad("junk after chunk size", chunkedHead + "5 x\r\nhello\r\n0\r\n\r\n"),
    .bad("missing CRLF after chunk data", chunkedHead + "5\r\nhelloXX\r\n0\r\n\r\n"),
    .bad("CR without LF after chunk data", chunkedHead + "5\r\nhello\rX0\r\n\r\n"),
    .bad("bare CR in chunk size line", chunkedHead + "5\r;x\r\nhello\r\n0\r\n\r\n"),
    .bad("chunk size line too long", chunkedHead + "5;" + String(repeating: "e", count: 5000) + "\r\n"),
    .bad("malformed trailer", chunkedHead + "0\r\nno colon here\r\n\r\n"),
    .bad("missing Host in HTTP/1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
    .bad("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
]

@Suite struct HTTPParserMalformedTests {
    @Test(arguments: malformedCases)
    func parser_rejectsMalformedRequest_withExactStatus(_ c: HTTPMalformedCase) {
        let raw = c.raw.httpWire
        for error in [HTTPParserHarness.error(raw), HTTPParserHarness.error(raw, byteByByte: true)] {
            #expect(error?.status == c.status)
            #expect(error?.code == c.code)
            #expect(error?.closeConnection == true)
            let message = error?.message ?? ""
            #expect(message.hasSuffix(".") && !message.isEmpty && message.first?.isUppercase == true)
        }
    }

    @Test func parser_acceptsHTTP10WithoutHost() throws {
        #expect(try HTTPParserHarness.parseAll("GET / HTTP/1.0\r\n\r\n".httpWire).count == 1)
    }
}
