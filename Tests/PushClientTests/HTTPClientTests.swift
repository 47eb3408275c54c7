import PushClient
import PushCodec
import PushTransport
import Testing

/// One-line summary of a request as the fake server saw it.
func summary(_ request: HTTPRequest) -> String {
    let h = request.head.headers
    var parts = ["\(request.head.method) \(request.head.target)", "host=\(h.first("Host") ?? "-")"]
    if let type = h.first("Content-Type") { parts.append("type=\(type)") }
    if let length = h.first("Content-Length") { parts.append("length=\(length)") }
    if let connection = h.first("Connection") { parts.append("connection=\(connection)") }
    if !request.body.isEmpty { parts.append("body=\(String(decoding: request.body, as: UTF8.self))") }
    return parts.joined(separator: " ")
}

@Suite struct HTTPClientTests {
    @Test func request_reusesOneKeepAliveConnection_andSendsFramingHeaders() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return server.record("no connection") }
            server.record("connection 1")
            for index in 1...2 {
                guard let request = peer.readRequest() else { return server.record("no request \(index)") }
                server.record(summary(request))
                peer.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr\(index)")
            }
            if server.accept(timeout: 0.2) != nil { server.record("unexpected second connection") }
            _ = peer.waitForEOF()
        }
        let client = try HTTPClient(baseURL: server.baseURL, requestTimeout: 2)
        let first = try client.request("GET", "/healthz")
        let second = try client.request("POST", "/internal/publish", headers: [("Authorization", "Bearer s")], body: Array(#"{"a":1}"#.utf8))
        client.close()
        #expect(first.status == 200 && first.bodyString() == "r1")
        #expect(second.bodyString() == "r2")
        #expect(client.connectionsOpened == 1)
        #expect(server.finish() == [
            "connection 1",
            "GET /healthz host=127.0.0.1:\(server.port)",
            #"POST /internal/publish host=127.0.0.1:\#(server.port) type=application/json length=7 body={"a":1}"#,
        ])
    }

    @Test func request_readsChunkedBody_andKeepsConnection() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            _ = peer.readRequest()
            peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n")
            _ = peer.readRequest()
            peer.write("HTTP/1.1 204 No Content\r\n\r\n")
            _ = peer.waitForEOF()
        }
        let client = try HTTPClient(baseURL: server.baseURL + "/api", requestTimeout: 2)
        #expect(try client.request("GET", "/a").bodyString() == "hello, world")
        #expect(try client.request("DELETE", "b").status == 204)
        client.close()
        #expect(client.connectionsOpened == 1)
        _ = server.finish()
    }

    @Test func request_readsCloseDelimitedBody_thenOpensNewConnection() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            _ = peer.readRequest()
            peer.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")
            peer.close()
            guard let second = server.accept() else { return server.record("no second connection") }
            if let request = second.readRequest() { server.record(summary(request)) }
            second.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")
            _ = second.waitForEOF()
        }
        let client = try HTTPClient(baseURL: server.baseURL, requestTimeout: 2)
        #expect(try client.request("GET", "/one").bodyString() == "all of it")
        #expect(try client.request("GET", "/two").bodyString() == "next")
        client.close()
        #expect(client.connectionsOpened == 2)
        #expect(server.finish() == ["GET /two host=127.0.0.1:\(server.port)"])
    }

    @Test func request_reconnectsOnce_whenServerClosedIdleConnection() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            _ = peer.readRequest()
            peer.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
            peer.close()
            server.record("closed idle")
            guard let second = server.accept() else { return server.record("no reconnect") }
            if let request = second.readRequest() { server.record(summary(request)) }
            second.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
            _ = second.waitForEOF()
        }
        let client = try HTTPClient(baseURL: server.baseURL, requestTimeout: 2)
        #expect(try client.request("GET", "/one").bodyString() == "first")
        #expect(server.waitFor("closed idle"))
        #expect(try client.request("POST", "/two", body: Array("{}".utf8)).bodyString() == "second")
        client.close()
        #expect(client.connectionsOpened == 2)
        #expect(server.finish() == ["closed idle", "POST /two host=127.0.0.1:\(server.port) type=application/json length=2 body={}"])
    }

    @Test func request_doesNotRetryFreshConnection_closedBeforeResponse() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            _ = peer.readRequest()
            peer.close()
            if server.accept(timeout: 0.2) != nil { server.record("unexpected retry") }
        }
        let client = try HTTPClient(baseURL: server.baseURL, requestTimeout: 2)
        #expect(throws: ClientError(.closed, "connection to 127.0.0.1:\(server.port) closed before a response arrived")) {
            try client.request("GET", "/")
        }
        #expect(server.finish() == [])
    }

    @Test func request_failsWithConnectError_onClosedPort() throws {
        let closed = try FakeServer()
        closed.stopListening()
        let port = closed.port
        let client = try HTTPClient(baseURL: "http://127.0.0.1:\(port)", connectTimeout: 1)
        #expect(throws: ClientError(.connect, "connect 127.0.0.1:\(port): Connection refused")) {
            try client.request("GET", "/")
        }
    }

    @Test func request_timesOutWithinDeadline_whenServerNeverAnswers() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            _ = peer.readRequest()
            _ = peer.waitForEOF()
        }
        let client = try HTTPClient(baseURL: server.baseURL, requestTimeout: 0.3)
        let start = ContinuousClock.now
        #expect(throws: ClientError(.timeout, "timed out after 0.3 s waiting for response from 127.0.0.1:\(server.port)")) {
            try client.request("GET", "/slow")
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(290) && elapsed < .milliseconds(900))
        client.close()
        _ = server.finish()
    }

    @Test func pipeline_writesAllRequestsAtOnce_andReadsResponsesInOrder() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            for _ in 0..<3 { if let request = peer.readRequest() { server.record(summary(request)) } }
            peer.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\n3")
            _ = peer.waitForEOF()
        }
        let client = try HTTPClient(baseURL: server.baseURL, requestTimeout: 2)
        let responses = try client.pipeline([
            (method: "GET", path: "/1", headers: [], body: nil),
            (method: "HEAD", path: "/2", headers: [], body: nil),
            (method: "POST", path: "/3", headers: [("Content-Type", "text/plain")], body: Array("x".utf8)),
        ])
        client.close()
        #expect(responses.map(\.status) == [200, 200, 201])
        #expect(responses.map { $0.bodyString() } == ["1", "", "3"])
        #expect(server.finish() == [
            "GET /1 host=127.0.0.1:\(server.port)",
            "HEAD /2 host=127.0.0.1:\(server.port)",
            "POST /3 host=127.0.0.1:\(server.port) type=text/plain length=1 body=x",
        ])
    }

    @Test func send_isOneShot_withConnectionClose() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            if let request = peer.readRequest() { server.record(summary(request)) }
            peer.write("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            if peer.waitForEOF() { server.record("client closed") }
        }
        let response = try HTTPClient.send("POST", url: server.baseURL + "/internal/tokens?x=1", body: Array("{}".utf8), timeout: 2)
        #expect(response.status == 202)
        #expect(server.finish() == [
            "POST /internal/tokens?x=1 host=127.0.0.1:\(server.port) type=application/json length=2 connection=close body={}",
            "client closed",
        ])
    }

    @Test func request_reportsMalformedResponse_asProtocolError() throws {
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            _ = peer.readRequest()
            peer.write("HTTP/1.1 20 OK\r\n\r\n")
            _ = peer.waitForEOF()
        }
        let client = try HTTPClient(baseURL: server.baseURL, requestTimeout: 2)
        #expect(throws: ClientError(.protocolError, "bad response from 127.0.0.1:\(server.port): The response status line 'HTTP/1.1 20 OK' is malformed.")) {
            try client.request("GET", "/")
        }
        client.close()
        _ = server.finish()
    }
}
