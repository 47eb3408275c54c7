import Testing
import PushCodec

@Suite struct HTTPResponseTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func response_encodesJSONWithContentLength_whenKeepAlive() {
        let wire = HTTPResponse.json(200, #"{"status":"ok"}"#).encode(keepAlive: true)
        #expect(wire == "HTTP/1.1 200 OK\r\nServer: wamp-push/0.1.0\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}".httpWire)
    }

    @Test func response_addsConnectionClose_whenNotKeepAlive() {
        let wire = HTTPResponse.text(404, "nope").encode(keepAlive: false)
        #expect(text(wire) == "HTTP/1.1 404 Not Found\r\nServer: wamp-push/0.1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope")
    }

    @Test func response_usesGivenContentType_forText() {
        let wire = HTTPResponse.text(200, "# HELP x\n", contentType: "text/plain; version=0.0.4").encode(keepAlive: true)
        #expect(text(wire) == "HTTP/1.1 200 OK\r\nServer: wamp-push/0.1.0\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: 9\r\n\r\n# HELP x\n")
    }

    @Test func response_countsBodyBytesNotCharacters() {
        let wire = HTTPResponse.text(200, "é✓").encode(keepAlive: true)
        #expect(text(wire).contains("\r\nContent-Length: 5\r\n"))
    }

    @Test func response_replacesGivenContentLength() {
        let response = HTTPResponse(status: 200, headers: HTTPHeaders([("content-length", "99"), ("X-A", "1")]), body: [1, 2, 3])
        #expect(response.encode(keepAlive: true) == "HTTP/1.1 200 OK\r\nServer: wamp-push/0.1.0\r\nX-A: 1\r\nContent-Length: 3\r\n\r\n".httpWire + [1, 2, 3])
    }

    @Test func response_omitsContentLength_forSwitchingProtocols() {
        let response = HTTPResponse(status: 101, headers: HTTPHeaders([
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ]))
        #expect(text(response.encode(keepAlive: true)) ==
            "HTTP/1.1 101 Switching Protocols\r\nServer: wamp-push/0.1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    }

    @Test func response_omitsContentLengthAndBody_forNoContent() {
        let response = HTTPResponse(status: 204, body: "ignored".httpWire)
        #expect(text(response.encode(keepAlive: true)) == "HTTP/1.1 204 No Content\r\nServer: wamp-push/0.1.0\r\n\r\n")
        #expect(text(HTTPResponse(status: 304).encode(keepAlive: true)) == "HTTP/1.1 304 Not Modified\r\nServer: wamp-push/0.1.0\r\n\r\n")
    }

    @Test func response_doesNotDuplicateConnectionClose() {
        let response = HTTPResponse(status: 200, headers: HTTPHeaders([("Connection", "close")]))
        #expect(text(response.encode(keepAlive: false)) == "HTTP/1.1 200 OK\r\nServer: wamp-push/0.1.0\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func response_usesCustomReason() {
        #expect(text(HTTPResponse(status: 299, reason: "Fine").encode(keepAlive: true)) == "HTTP/1.1 299 Fine\r\nServer: wamp-push/0.1.0\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func response_neutralisesCRLFInHeaders() {
        let response = HTTPResponse(status: 200, headers: HTTPHeaders([("X-Echo", "a\r\nSet-Cookie: evil=1")]))
        #expect(text(response.encode(keepAlive: true)) == "HTTP/1.1 200 OK\r\nServer: wamp-push/0.1.0\r\nX-Echo: a  Set-Cookie: evil=1\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func response_encodesErrorAsJSON_withCloseAndExtraHeaders() {
        let error = HTTPError(status: 426, code: "upgrade_required", message: "Use WebSocket version 13.",
                              headers: [("Sec-WebSocket-Version", "13")], closeConnection: true)
        let wire = HTTPResponse.error(error).encode(keepAlive: false)
        let body = #"{"error":"upgrade_required","message":"Use WebSocket version 13."}"#
        #expect(text(wire) == "HTTP/1.1 426 Upgrade Required\r\nServer: wamp-push/0.1.0\r\nContent-Type: application/json\r\nSec-WebSocket-Version: 13\r\n"
            + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
    }

    @Test func response_errorKeepsConnection_whenErrorAllowsIt() {
        let wire = HTTPResponse.error(.notFound()).encode(keepAlive: true)
        let body = #"{"error":"not_found","message":"No such resource."}"#
        #expect(text(wire) == "HTTP/1.1 404 Not Found\r\nServer: wamp-push/0.1.0\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
    }

    @Test func response_escapesErrorMessageAsJSON() {
        let error = HTTPError.badRequest("Bad \"quote\" \\ back\nnew\ttab\u{01}\u{1F} é/✓")
        let response = HTTPResponse.error(error)
        #expect(text(response.body) == #"{"error":"bad_request","message":"Bad \"quote\" \\ back\u000anew\u0009tab\u0001\u001f é/✓"}"#)
        #expect(response.headers == HTTPHeaders([("Content-Type", "application/json"), ("Connection", "close")]))
        #expect(response.status == 400)
        #expect(response.reason == "Bad Request")
    }

    @Test(arguments: [
        (101, "Switching Protocols"), (200, "OK"), (201, "Created"), (204, "No Content"),
        (400, "Bad Request"), (401, "Unauthorized"), (403, "Forbidden"), (404, "Not Found"),
        (405, "Method Not Allowed"), (413, "Content Too Large"), (415, "Unsupported Media Type"),
        (422, "Unprocessable Content"), (426, "Upgrade Required"), (429, "Too Many Requests"),
        (431, "Request Header Fields Too Large"), (500, "Internal Server Error"), (501, "Not Implemented"),
        (502, "Bad Gateway"), (503, "Service Unavailable"), (504, "Gateway Timeout"), (505, "HTTP Version Not Supported"),
        (299, "Success"), (499, "Client Error"), (999, "Unknown"),
    ])
    func response_reasonPhrase(status: Int, reason: String) {
        #expect(HTTPResponse.reasonPhrase(status) == reason)
    }

    @Test func response_encodesParserErrorsWithTheirStatus() throws {
        var parser = HTTPParser()
        parser.append("GET / HTTP/3.0\r\nHost: a\r\n\r\n".httpWire)
        do {
            _ = try parser.next()
            Issue.record("expected 505")
        } catch {
            let wire = text(HTTPResponse.error(error).encode(keepAlive: false))
            #expect(wire.hasPrefix("HTTP/1.1 505 HTTP Version Not Supported\r\nServer: wamp-push/0.1.0\r\nContent-Type: application/json\r\nConnection: close\r\n"))
            #expect(wire.hasSuffix(#"{"error":"http_version_not_supported","message":"Only HTTP/1.0 and HTTP/1.1 are supported, not HTTP/3.0."}"#))
        }
    }
}

@Suite struct HTTPResponseServerHeaderTests {
    @Test func encode_keepsAGivenServerHeader_insteadOfAddingWampPushs() {
        let wire = HTTPResponse(status: 200, headers: HTTPHeaders([("Server", "fake-wwebjs-api")])).encode(keepAlive: true)
        #expect(String(decoding: wire, as: UTF8.self) == "HTTP/1.1 200 OK\r\nServer: fake-wwebjs-api\r\nContent-Length: 0\r\n\r\n")
        #expect(ServerIdentity.isWampPush("wamp-push/9.9"))
        #expect(!ServerIdentity.isWampPush("nginx/1.22.1"))
        #expect(!ServerIdentity.isWampPush(nil))
    }
}
