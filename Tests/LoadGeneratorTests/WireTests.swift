@testable import LoadGeneratorCore
import Testing

struct WireTests {
    @Test func publishBody_hasExactlyTheAskedSize_whenPaddingFits() {
        for size in [100, 1024] {
            let body = PublishRequest.eventBody(topic: "newNotification", payloadBytes: size, seq: 123_456, ts: 9_876_543_210_123)
            #expect(body.count == size)
        }
        let exact = PublishRequest.eventBody(topic: "t", payloadBytes: 41, seq: 1, ts: 2)
        #expect(String(decoding: exact, as: UTF8.self) == #"{"topicId":"t","seq":1,"ts":2,"pad":"xx"}"#)
    }

    @Test func publishBody_dropsPad_whenFieldsFillThePayload() {
        let body = PublishRequest.eventBody(topic: "newNotification", payloadBytes: 64, seq: 123_456, ts: 9_876_543_210_123)
        #expect(String(decoding: body, as: UTF8.self) == #"{"topicId":"newNotification","seq":123456,"ts":9876543210123}"#)
        let padless = PublishRequest.eventBody(topic: "t", payloadBytes: 38, seq: 1, ts: 2)
        #expect(String(decoding: padless, as: UTF8.self) == #"{"topicId":"t","seq":1,"ts":2}"#)
        let emptyPad = PublishRequest.eventBody(topic: "t", payloadBytes: 39, seq: 1, ts: 2)
        #expect(String(decoding: emptyPad, as: UTF8.self) == #"{"topicId":"t","seq":1,"ts":2,"pad":""}"#)
    }

    @Test func publishRequest_carriesBearerAndLength() throws {
        let url = try BenchURL("http://127.0.0.1:8080")
        let request = PublishRequest(url: url.with(path: "/internal/publish"), topic: "t", payloadBytes: 0, secret: "s3")
        let text = String(decoding: request.request(body: Array("{}".utf8)), as: UTF8.self)
        #expect(text == "POST /internal/publish HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nAuthorization: Bearer s3\r\nContent-Length: 2\r\n\r\n{}")
    }

    @Test func upgradeRequest_isWhatAutobahnSends() {
        let text = String(decoding: UpgradeRequest.bytes(path: "/wss", host: "127.0.0.1:8080", token: "ab+c", user: "bench"), as: UTF8.self)
        #expect(text.hasPrefix("GET /wss?authToken=ab%2Bc&userId=bench HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"))
        #expect(text.contains("Sec-WebSocket-Protocol: wamp\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func upgradeResponse_givesBodyOffset_orStatus() {
        let switched = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".utf8) + [0x81, 0x00]
        switched.withUnsafeBytes { #expect(UpgradeRequest.parseResponse($0) == .switched(bodyOffset: switched.count - 2)) }
        Array("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n".utf8).withUnsafeBytes {
            #expect(UpgradeRequest.parseResponse($0) == .refused(status: 401))
        }
        Array("HTTP/1.1 101 Switching".utf8).withUnsafeBytes { #expect(UpgradeRequest.parseResponse($0) == .incomplete) }
    }

    @Test func responseReader_splitsPipelinedResponses_atEveryIndex() throws {
        let one = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 28\r\n\r\n{\"accepted\":1,\"delivered\":5}"
        let two = "HTTP/1.1 422 Unprocessable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        let bytes = Array((one + two).utf8)
        for split in 0...bytes.count {
            var reader = HTTPResponseReader()
            var got = try bytes[0..<split].withUnsafeBytes { try reader.feed($0) }
            got += try bytes[split...].withUnsafeBytes { try reader.feed($0) }
            #expect(got.map(\.status) == [200, 422], "split at \(split)")
            #expect(got.map(\.body) == [Array("{\"accepted\":1,\"delivered\":5}".utf8), Array("abcde".utf8)])
        }
    }

    @Test func deliveredCount_isReadFromPublishResponse() {
        #expect(FanoutDriver.deliveredCount(Array(#"{"accepted":1,"delivered":20}"#.utf8)) == 20)
        #expect(FanoutDriver.deliveredCount(Array(#"{"accepted":1}"#.utf8)) == nil)
    }

    @Test func restrictedEvent_namesTheUser() {
        let body = PublishRequest.eventBody(topic: "t", payloadBytes: 0, seq: 7, ts: 1)
        #expect(String(decoding: FanoutDriver.restrict(body, to: "bench"), as: UTF8.self)
                == #"{"topicId":"t","userId":"bench","seq":7,"ts":1}"#)
    }

    @Test func benchURL_parsesSchemesAndDefaults() throws {
        let ws = try BenchURL("ws://127.0.0.1:8080")
        #expect(!ws.isTLS && ws.address.port == 8080 && ws.path == "/")
        let wss = try BenchURL("wss://localhost:8443/wss?x=1")
        #expect(wss.isTLS && wss.address.host == "127.0.0.1" && wss.path == "/wss?x=1")
        #expect(try BenchURL("http://127.0.0.1").address.port == 80)
        #expect(throws: BenchError.self) { try BenchURL("ftp://127.0.0.1:1") }
        #expect(throws: BenchError.self) { try BenchURL("ws://example.com:80") }
    }

    @Test func report_printsJSONLine_inFieldOrder() {
        var r = ScenarioReport(scenario: "fanout")
        r.add("subscribers", 20)
        r.add("latency_p50_ms", 1.23456, digits: 3)
        r.add("transport", "ws")
        #expect(r.jsonLine == #"{"scenario":"fanout","subscribers":20,"latency_p50_ms":1.235,"transport":"ws"}"#)
        #expect(ScenarioReport.format(0.05, digits: 2) == "0.05")
        #expect(ScenarioReport.format(-2.5, digits: 1) == "-2.5")
    }
}
