import Testing
@testable import PushCodec

@Suite struct HTTPParserTests {
    private typealias H = HTTPParserHarness

    private func requests(_ fixture: String) throws -> [HTTPRequest] {
        try H.parseAll(try Fixture.bytes("http/\(fixture)"))
    }

    @Test func parser_parsesSimpleGet() throws {
        let parsed = try requests("get-simple.txt")
        let expected = HTTPRequest(head: HTTPRequestHead(
            method: "GET", target: "/healthz", version: .http1_1,
            headers: HTTPHeaders([("Host", "localhost:8080"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*")])))
        #expect(parsed == [expected])
        #expect(parsed[0].head.keepAlive)
    }

    @Test func parser_parsesGetWithQuery() throws {
        let parsed = try requests("get-query.txt")
        try #require(parsed.count == 1)
        let head = parsed[0].head
        #expect(head.target == "/api/v1/WhatsApp/action/chats?userId=42&authToken=ab%20cd+ef")
        #expect(head.path == "/api/v1/WhatsApp/action/chats")
        #expect(head.queryValue("userId") == "42")
        #expect(head.queryValue("authToken") == "ab cd ef")
        #expect(parsed[0].body.isEmpty)
    }

    @Test func parser_readsContentLengthBody() throws {
        let parsed = try requests("post-content-length.txt")
        try #require(parsed.count == 1)
        #expect(parsed[0].head.method == "POST")
        #expect(parsed[0].head.target == "/internal/publish")
        #expect(parsed[0].body == #"{"topic":"WhatsApp","event":{"chatId":"123@c.us","text":"hi"}}"#.httpWire)
    }

    @Test func parser_dechunksBody_ignoringExtensionsAndDroppingTrailers() throws {
        let parsed = try requests("post-chunked.txt")
        try #require(parsed.count == 1)
        #expect(parsed[0].body == "MozillaDeveloperNetwork!!!".httpWire)
        #expect(parsed[0].head.headers == HTTPHeaders([
            ("Host", "localhost"), ("Transfer-Encoding", "chunked"), ("Content-Type", "text/plain"),
        ]))
    }

    @Test func parser_returnsThreePipelinedRequestsInOrder() throws {
        let parsed = try requests("pipelined-three.txt")
        #expect(parsed.map(\.head.method) == ["GET", "POST", "GET"])
        #expect(parsed.map(\.head.target) == ["/one", "/two", "/three"])
        #expect(parsed.map(\.body) == [[], "hello".httpWire, []])
        #expect(parsed.map(\.head.keepAlive) == [true, true, false])
    }

    @Test(arguments: [
        ("http10-default.txt", HTTPVersion.http1_0, false),
        ("http10-keepalive.txt", HTTPVersion.http1_0, true),
        ("http11-close.txt", HTTPVersion.http1_1, false),
        ("get-simple.txt", HTTPVersion.http1_1, true),
    ])
    func parser_reportsVersionAndKeepAlive(fixture: String, version: HTTPVersion, keepAlive: Bool) throws {
        let parsed = try requests(fixture)
        try #require(parsed.count == 1)
        #expect(parsed[0].head.version == version)
        #expect(parsed[0].head.keepAlive == keepAlive)
    }

    @Test func parser_acceptsBareLFLineTerminators() throws {
        let parsed = try requests("bare-lf.txt")
        #expect(parsed == [HTTPRequest(head: HTTPRequestHead(
            method: "GET", target: "/lf", headers: HTTPHeaders([("Host", "a"), ("X-Mixed", "crlf")])))])
    }

    @Test func parser_skipsEmptyLineBeforeRequestLine() throws {
        let parsed = try requests("leading-empty-line.txt")
        #expect(parsed.map(\.head.target) == ["/after-blank"])
    }

    @Test func parser_acceptsAsteriskForOptionsAndAbsoluteForm() throws {
        #expect(try requests("options-asterisk.txt").map(\.head.target) == ["*"])
        #expect(try requests("absolute-form.txt").map(\.head.target) == ["http://example.test/healthz"])
    }

    /// RFC 9112 §3.2.2: an absolute-form target is routed by its path; the authority is
    /// ignored (even when it differs from Host) and the query is kept.
    @Test(arguments: [
        ("POST http://other.test/internal/publish HTTP/1.1", "/internal/publish", nil as String?),
        ("GET HTTP://other.test:8080/wss?authToken=t&userId=u HTTP/1.1", "/wss", "authToken=t&userId=u"),
        ("GET https://user@other.test HTTP/1.1", "/", nil),
        ("GET http://other.test?x=1 HTTP/1.1", "/", "x=1"),
        ("GET /healthz?x=1 HTTP/1.1", "/healthz", "x=1"),
    ])
    func parser_absoluteForm_isRoutedByPath(requestLine: String, path: String, query: String?) throws {
        let parsed = try H.parseAll("\(requestLine)\r\nHost: a\r\nContent-Length: 0\r\n\r\n".httpWire)
        try #require(parsed.count == 1)
        #expect(parsed[0].head.path == Substring(path))
        #expect(parsed[0].head.query.map(String.init) == query)
        if query?.hasPrefix("authToken") == true { #expect(parsed[0].head.queryValue("userId") == "u") }
    }

    @Test func parser_trimsFieldValuesAndKeepsDuplicates() throws {
        let parsed = try requests("header-whitespace.txt")
        try #require(parsed.count == 1)
        #expect(parsed[0].head.headers == HTTPHeaders([
            ("Host", "a"), ("X-Spaces", "padded value"), ("X-Empty", ""), ("X-Dup", "1"), ("x-dup", "2"),
        ]))
        #expect(parsed[0].head.headers.all("X-DUP") == ["1", "2"])
    }

    @Test func parser_keepsTabInsideFieldValue() throws {
        let parsed = try H.parseAll("GET / HTTP/1.1\r\nHost: a\r\nX-Tab: a\tb\r\n\r\n".httpWire)
        #expect(parsed.first?.head.headers.first("X-Tab") == "a\tb")
    }

    @Test func parser_acceptsRepeatedIdenticalContentLength() throws {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc".httpWire
        #expect(try H.parseAll(raw).map(\.body) == ["abc".httpWire])
    }

    @Test func parser_treatsZeroContentLengthAsEmptyBody() throws {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n".httpWire
        #expect(try H.parseAll(raw).map(\.head.target) == ["/", "/next"])
    }

    // Every valid fixture must parse identically however the socket splits it.
    @Test(arguments: [
        "get-simple.txt", "get-query.txt", "post-content-length.txt", "post-chunked.txt", "pipelined-three.txt",
        "http10-default.txt", "http10-keepalive.txt", "http11-close.txt", "bare-lf.txt", "leading-empty-line.txt",
        "websocket-upgrade.txt", "options-asterisk.txt", "absolute-form.txt", "header-whitespace.txt",
    ])
    func parser_givesSameResult_forEverySplit(fixture: String) throws {
        let bytes = try Fixture.bytes("http/\(fixture)")
        let whole = try H.parseAll(bytes)
        #expect(!whole.isEmpty)
        #expect(try H.parseByteByByte(bytes) == whole)
        for split in 0...bytes.count {
            #expect(try H.parseSplit(bytes, at: split) == whole, "split at \(split)")
        }
    }

    @Test func parser_handsFrameBytesAfterUpgradeToCaller() throws {
        let frame: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        var parser = HTTPParser()
        parser.append(try Fixture.bytes("http/websocket-upgrade.txt") + frame)
        let request = try #require(try parser.next())
        #expect(request.head.headers.first("Upgrade") == "websocket")
        #expect(request.head.headers.first("Sec-WebSocket-Key") == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(parser.hasBufferedBytes)
        #expect(parser.takeBufferedBytes() == frame)
        #expect(!parser.hasBufferedBytes)
        #expect(parser.isIdle)
        #expect(parser.takeBufferedBytes() == [])
    }

    @Test func parser_reportsIdleOnlyBetweenRequests() throws {
        var parser = HTTPParser()
        #expect(parser.isIdle)
        parser.append("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab".httpWire)
        #expect(!parser.isIdle)
        #expect(try parser.next() == nil)
        #expect(!parser.isIdle)
        parser.append("c\r\n0\r\n\r\n".httpWire)
        #expect(try parser.next()?.body == "abc".httpWire)
        #expect(parser.isIdle)
        #expect(!parser.hasBufferedBytes)
        #expect(try parser.next() == nil)
    }

    @Test func parser_parsesLongPipelinedStream_inUnevenPieces() throws {
        var stream: [UInt8] = []
        for i in 0..<5000 {
            if i % 2 == 0 {
                stream += "GET /r/\(i) HTTP/1.1\r\nHost: a\r\n\r\n".httpWire
            } else {
                stream += "POST /r/\(i) HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n\(i % 10)xyz".httpWire
            }
        }
        var parser = HTTPParser()
        var targets: [String] = []
        var offset = 0, piece = 1
        while offset < stream.count {
            let end = min(stream.count, offset + piece)
            parser.append(Array(stream[offset..<end]))
            while let request = try parser.next() { targets.append(request.head.target) }
            offset = end
            piece = piece % 997 + 13
        }
        #expect(targets == (0..<5000).map { "/r/\($0)" })
        #expect(parser.isIdle)
    }

    @Test func parser_readsLargeChunkedBodyByteByByte() throws {
        let payload = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var raw = "POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".httpWire
        var index = 0
        while index < payload.count {
            let size = min(4093, payload.count - index)
            raw += (String(size, radix: 16) + "\r\n").httpWire + payload[index..<(index + size)] + "\r\n".httpWire
            index += size
        }
        raw += "0\r\n\r\n".httpWire
        #expect(try H.parseByteByByte(raw).map(\.body) == [payload])
    }

    // MARK: - Limits

    @Test func parser_rejectsOversizedContentLength_beforeBodyArrives() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n".httpWire
        let error = H.error(raw)
        #expect(error?.status == 413)
        #expect(error?.code == "payload_too_large")
        #expect(error?.closeConnection == true)
    }

    @Test func parser_acceptsBodyExactlyAtLimit() throws {
        let limits = HTTPLimits(maxRequestBytes: 5)
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n".httpWire
        #expect(try H.parseAll(raw, limits: limits).map(\.body) == ["abcde".httpWire])
        let fixed = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde".httpWire
        #expect(try H.parseAll(fixed, limits: limits).map(\.body) == ["abcde".httpWire])
    }

    @Test func parser_rejectsChunkedBodyGrowingPastLimit() {
        let limits = HTTPLimits(maxRequestBytes: 10)
        var parser = HTTPParser(limits: limits)
        parser.append("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n".httpWire)
        #expect(throws: Never.self) { _ = try parser.next() }
        parser.append("3\r\n".httpWire)
        #expect(throws: HTTPError.self) { _ = try parser.next() }
        let error = H.error("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n3\r\n".httpWire, limits: limits)
        #expect(error?.status == 413)
        #expect(error?.code == "payload_too_large")
    }

    @Test func parser_rejectsHugeChunkSize_asTooLarge() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n".httpWire
        #expect(H.error(raw)?.status == 413)
    }

    @Test func parser_rejects17KiBHeader_beforeTerminatingBlankLine() {
        var parser = HTTPParser()
        parser.append("GET / HTTP/1.1\r\nHost: a\r\nX-Big: ".httpWire)
        parser.append([UInt8](repeating: UInt8(ascii: "a"), count: 17 * 1024))
        do {
            _ = try parser.next()
            Issue.record("expected 431")
        } catch {
            #expect(error.status == 431)
            #expect(error.code == "header_too_large")
            #expect(error.closeConnection)
        }
    }

    @Test func parser_enforcesHeaderByteLimitExactly() throws {
        let limits = HTTPLimits(maxHeaderBytes: 64)
        let prefix = "GET / HTTP/1.1\r\nHost: a\r\nX: ".httpWire  // 28 bytes, plus "\r\n\r\n" = 32
        let fits = prefix + [UInt8](repeating: UInt8(ascii: "v"), count: 32) + "\r\n\r\n".httpWire
        #expect(fits.count == 64)
        #expect(try H.parseAll(fits, limits: limits).count == 1)
        let over = prefix + [UInt8](repeating: UInt8(ascii: "v"), count: 33) + "\r\n\r\n".httpWire
        #expect(H.error(over, limits: limits)?.status == 431)
        #expect(H.error(over, limits: limits, byteByByte: true)?.status == 431)
    }

    @Test func parser_rejectsTooManyHeaders() throws {
        var head = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 1..<100 { head += "X-\(i): v\r\n" }
        #expect(try H.parseAll((head + "\r\n").httpWire).count == 1)  // exactly 100 fields
        let tooMany = head + "X-100: v\r\n"  // no blank line yet: detected early
        let error = H.error(tooMany.httpWire)
        #expect(error?.status == 431)
        #expect(error?.code == "header_too_large")
    }

    @Test func parser_rejectsTooManyTrailers() {
        var raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        for i in 0...100 { raw += "T-\(i): v\r\n" }
        #expect(H.error((raw + "\r\n").httpWire)?.status == 431)
    }

    // MARK: - Failure is final

    @Test func parser_staysFailedAfterError() {
        var parser = HTTPParser()
        parser.append("BROKEN\r\n\r\n".httpWire)
        let first = H.error("BROKEN\r\n\r\n".httpWire)
        #expect(first != nil)
        for _ in 0..<2 {
            do {
                _ = try parser.next()
                Issue.record("expected an error")
            } catch {
                #expect(error == first)
            }
        }
        parser.append("GET / HTTP/1.1\r\nHost: a\r\n\r\n".httpWire)
        #expect(throws: HTTPError.self) { _ = try parser.next() }
        #expect(!parser.isIdle)
    }
}
