import Foundation
import PushCodec
import Testing
import TestSupport

/// Fixture bytes from Fixtures/http-client (exact CRLF, never converted).
func clientFixture(_ name: String) throws -> [UInt8] {
    try Repository.bytes("Fixtures/http-client/\(name)")
}

/// What parsing a byte stream produced: the responses, the error (if any), and the bytes after a 101.
struct ParseOutcome: Equatable {
    var responses: [HTTPClientResponse] = []
    var error: HTTPError?
    var leftover: [UInt8] = []
}

/// Feeds `bytes` in the given pieces, pulling responses after every piece, then signals EOF.
/// `methods[i]` is the request method of the i-th response (the last one repeats).
func parse(_ pieces: [ArraySlice<UInt8>], methods: [String] = ["GET"]) -> ParseOutcome {
    var parser = HTTPResponseParser()
    var outcome = ParseOutcome()
    func method() -> String { methods[min(outcome.responses.count, methods.count - 1)] }
    do {
        for piece in pieces {
            parser.append(Array(piece))
            while let response = try parser.next(requestMethod: method()) { outcome.responses.append(response) }
        }
        if let last = try parser.finishAtEOF() { outcome.responses.append(last) }
    } catch {
        outcome.error = error
    }
    // After an error the parser ignores further bytes, so what is left depends on the split: not compared.
    if outcome.error == nil { outcome.leftover = parser.takeBufferedBytes() }
    return outcome
}

/// Checks that every two-piece split of `bytes` (and byte-at-a-time feeding) gives `expected`.
func expectEverySplit(_ bytes: [UInt8], methods: [String] = ["GET"], _ expected: ParseOutcome,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    for split in 0...bytes.count {
        let outcome = parse([bytes[..<split], bytes[split...]], methods: methods)
        #expect(outcome == expected, "split at \(split)", sourceLocation: sourceLocation)
        if outcome != expected { return }
    }
    let byteByByte = parse(bytes.indices.map { bytes[$0...$0] }, methods: methods)
    #expect(byteByByte == expected, "byte by byte", sourceLocation: sourceLocation)
}

func response(_ status: Int, _ reason: String, _ headers: [(String, String)], _ body: String = "",
              version: HTTPVersion = .http1_1) -> HTTPClientResponse {
    HTTPClientResponse(head: HTTPResponseHead(status: status, reason: reason, version: version, headers: HTTPHeaders(headers)),
                       body: Array(body.utf8))
}

@Suite struct HTTPResponseParserTests {
    @Test func parser_readsContentLengthBody_atEverySplit() throws {
        let expected = ParseOutcome(responses: [
            response(200, "OK", [("Content-Type", "application/json"), ("Content-Length", "15")], #"{"status":"ok"}"#),
        ])
        expectEverySplit(try clientFixture("content-length.txt"), expected)
    }

    @Test func parser_dechunksBodyAndDropsTrailers_atEverySplit() throws {
        let expected = ParseOutcome(responses: [response(200, "OK", [("Transfer-Encoding", "chunked")], "hello, world")])
        expectEverySplit(try clientFixture("chunked.txt"), expected)
    }

    @Test func parser_readsCloseDelimitedBodyUntilEOF_atEverySplit() throws {
        let expected = ParseOutcome(responses: [
            response(200, "OK", [("Content-Type", "text/plain")], "until the end\nof the connection\n", version: .http1_0),
        ])
        expectEverySplit(try clientFixture("close-delimited.txt"), expected)
    }

    @Test func parser_closeDelimitedBody_isNotReturnedBeforeEOF() throws {
        var parser = HTTPResponseParser()
        parser.append(try clientFixture("close-delimited.txt"))
        #expect(try parser.next() == nil)
        #expect(try parser.finishAtEOF()?.bodyString() == "until the end\nof the connection\n")
        #expect(try parser.finishAtEOF() == nil)
    }

    @Test func parser_gives204And304NoBody_atEverySplit() throws {
        let expected = ParseOutcome(responses: [
            response(204, "No Content", [("X-A", "1")]),
            response(304, "Not Modified", [("ETag", "\"x\""), ("Content-Length", "99")]),
            response(404, "Not Found", [("Content-Length", "2")], "{}"),
        ])
        expectEverySplit(try clientFixture("bodiless-sequence.txt"), expected)
    }

    @Test func parser_givesHeadResponseNoBody_atEverySplit() throws {
        let expected = ParseOutcome(responses: [
            response(200, "OK", [("Content-Length", "1234")]),
            response(200, "OK", [("Content-Length", "3")], "abc"),
        ])
        expectEverySplit(try clientFixture("head-then-get.txt"), methods: ["HEAD", "GET"], expected)
    }

    @Test func parser_returnsInterim100ThenFinal_atEverySplit() throws {
        let expected = ParseOutcome(responses: [
            response(100, "Continue", []),
            response(201, "Created", [("Content-Length", "0")]),
        ])
        expectEverySplit(try clientFixture("interim-continue.txt"), expected)
    }

    @Test func parser_stopsAt101AndKeepsFollowingBytes_atEverySplit() throws {
        let expected = ParseOutcome(responses: [
            response(101, "Switching Protocols", [
                ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), ("Sec-WebSocket-Protocol", "wamp"),
            ]),
        ], leftover: [0x81, 0x05] + Array("hello".utf8))
        expectEverySplit(try clientFixture("switching-protocols.txt"), expected)
    }

    @Test func parser_acceptsEmptyAndMissingReason_atEverySplit() throws {
        let expected = ParseOutcome(responses: [
            response(200, "", [("Content-Length", "2")], "ok"),
            response(503, "", [("Content-Length", "0"), ("Connection", "close")]),
        ])
        expectEverySplit(try clientFixture("empty-reason.txt"), expected)
        #expect(expected.responses[1].head.keepAlive == false)
        #expect(expected.responses[0].head.keepAlive == true)
    }

    @Test(arguments: [
        ("bad-status-line.txt", "The response status line 'HTTP/1.1 OK' is malformed."),
        ("bad-both-framings.txt", "The response has both Content-Length and Transfer-Encoding."),
        ("bad-chunk-size.txt", "A chunk size line does not start with a hex number."),
        ("bad-truncated-body.txt", "The connection closed after 4 of 10 body bytes."),
        ("bad-version.txt", "The response uses the unsupported version HTTP/2.0."),
    ])
    func parser_rejectsMalformedResponse_atEverySplit(fixture: String, message: String) throws {
        expectEverySplit(try clientFixture(fixture), ParseOutcome(error: .badResponse(message)))
        #expect(HTTPError.badResponse(message).status == 502)
        #expect(HTTPError.badResponse(message).code == "bad_response")
    }

    @Test func parser_errorIsFinal() throws {
        var parser = HTTPResponseParser()
        parser.append(try clientFixture("bad-status-line.txt"))
        #expect(throws: HTTPError.badResponse("The response status line 'HTTP/1.1 OK' is malformed.")) { try parser.next() }
        parser.append(try clientFixture("content-length.txt"))
        #expect(throws: HTTPError.badResponse("The response status line 'HTTP/1.1 OK' is malformed.")) { try parser.next() }
    }

    @Test func parser_rejectsBodyOverLimit_forEachFraming() throws {
        var byLength = HTTPResponseParser(maxBodyBytes: 10)
        byLength.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n".utf8))
        #expect(throws: HTTPError.badResponse("The response body of 11 bytes exceeds the limit of 10 bytes.")) { try byLength.next() }

        var chunked = HTTPResponseParser(maxBodyBytes: 10)
        chunked.append(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n".utf8))
        #expect(throws: HTTPError.badResponse("The chunked response body exceeds the limit of 10 bytes.")) { try chunked.next() }

        var untilClose = HTTPResponseParser(maxBodyBytes: 10)
        untilClose.append(Array("HTTP/1.1 200 OK\r\n\r\n0123456789".utf8))
        #expect(try untilClose.next() == nil)
        untilClose.append([0x41])
        #expect(throws: HTTPError.badResponse("The response body exceeds the limit of 10 bytes.")) { try untilClose.next() }
    }

    @Test func parser_eofInsideHead_isAnError_butCleanEOFIsNot() throws {
        var partial = HTTPResponseParser()
        partial.append(Array("HTTP/1.1 200 OK\r\nContent-Len".utf8))
        #expect(throws: HTTPError.badResponse("The connection closed in the middle of a response head.")) { try partial.finishAtEOF() }

        var clean = HTTPResponseParser()
        #expect(try clean.finishAtEOF() == nil)
    }
}
