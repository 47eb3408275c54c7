import Foundation
import PushClient
import PushCodec
import Testing
@testable import PushServer

/// HEAD (RFC 9110 9.3.2): the GET's status and headers, Content-Length included, and no body,
/// so a keep-alive client reads the next answer from the right byte.
@Suite struct HeadRequestTests {
    @Test func headOnHealthz_thenGet_onTheSameConnection() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try HTTPClient(baseURL: server.httpURL)
        let head = try client.request("HEAD", "/healthz")
        #expect(head.status == 200)
        #expect(head.head.headers.first("Content-Length") == "\(#"{"status":"ok"}"#.utf8.count)")
        #expect(head.head.headers.first("Content-Type") == "application/json")
        #expect(head.body.isEmpty)
        let get = try client.request("GET", "/healthz")
        #expect(get.status == 200)
        #expect(get.bodyString() == #"{"status":"ok"}"#)
        #expect(client.connectionsOpened == 1)
    }

    @Test func headOnAMissingPath_is404HeadersOnly_andTheConnectionStaysUsable() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try HTTPClient(baseURL: server.httpURL)
        let head = try client.request("HEAD", "/nope")
        #expect(head.status == 404)
        #expect(Int(head.head.headers.first("Content-Length") ?? "") ?? 0 > 0)
        let get = try client.request("GET", "/healthz")
        #expect(get.bodyString() == #"{"status":"ok"}"#)
        #expect(client.connectionsOpened == 1)
    }

    /// The bytes on the wire: the HEAD answer's blank line is followed at once by the next status line.
    @Test func pipelinedHeadThenGet_wireBytes() throws {
        let server = try TestServer()
        defer { server.stop() }
        let request = "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        let text = try HTTPIntegrationTests.raw(server.plain, Array(request.utf8))
        let parts = text.components(separatedBy: "\r\n\r\n")
        #expect(parts.count == 3)
        #expect(parts.first?.hasPrefix("HTTP/1.1 200 ") == true)
        #expect(parts.dropFirst().first?.hasPrefix("HTTP/1.1 200 ") == true)
        #expect(parts.last == #"{"status":"ok"}"#)
    }
}
