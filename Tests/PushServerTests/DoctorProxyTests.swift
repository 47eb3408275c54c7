import Foundation
@testable import PushBroker
import PushClient
import PushCodec
@testable import PushConfig
@testable import PushServer
@testable import PushTools
import PushTransport
import Testing
import TestSupport

/// doctor's judgement of who answered: wamp-push (its `Server` header or its JSON body) or
/// something in front of it (issue 11).
@Suite struct DoctorProxyTests {
    @Test func wampPush_namesItselfInServer_onHTTPAnswersAndThe101() throws {
        let server = try TestServer()
        defer { server.stop() }
        let health = try HTTPClient(baseURL: "http://\(server.plain)").request("GET", "/healthz")
        #expect(health.headers.first("Server") == "wamp-push/0.1.0")
        let missing = try HTTPClient(baseURL: "http://\(server.plain)").request("GET", "/nowhere")
        #expect(missing.status == 404)
        #expect(missing.headers.first("Server") == "wamp-push/0.1.0")
        let token = try server.createToken(user: "alice")
        let (socket, response) = try WebSocketClient.connect(url: server.wsURL() + "?authToken=\(token)&userId=alice", protocols: ["wamp"], timeout: 5)
        defer { socket?.close() }
        #expect(response.status == 101)
        #expect(response.headers.first("Server") == "wamp-push/0.1.0")
    }

    @Test func publishToSomethingElse_isRefusedNamingItsServerHeader() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        // What the CRM's nginx answers for a path it serves itself: 200 and a page.
        let crm = try DoctorFakeProxy(answer: "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>")
        defer { crm.stop() }
        let options = DoctorOptions(url: server.wsURL(), user: "alice", token: token, publishURL: "http://127.0.0.1:\(crm.port)")
        let steps = Doctor(options: options).run()
        #expect(doctorOutcome(steps) == Array(doctorAllPassed.prefix(7)) + ["✗ publish"])
        #expect(steps[7].detail == "this URL is not wamp-push: the publish went to nginx/1.22.1 "
            + "(POST http://127.0.0.1:\(crm.port)/internal/publish, from --publish-url, answered 200 OK)")
        #expect(steps[7].hint?.hasPrefix("pass --publish-url http://<wamp-push>:8080") == true)
    }

    @Test func publishForbidden_hintSaysLoopbackTrustIsOffBehindAProxy() throws {
        let server = try TestServer { $0.publishSecret = "right" }
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let steps = Doctor(options: DoctorOptions(url: server.wsURL(), user: "alice", token: token, secret: "wrong")).run()
        #expect(doctorOutcome(steps) == Array(doctorAllPassed.prefix(7)) + ["✗ publish"])
        #expect(steps[7].detail.hasSuffix("/internal/publish: 403: The bearer secret is wrong."))
        #expect(steps[7].hint == DoctorHints.publishForbidden)
        #expect(DoctorHints.publishForbidden.contains("Behind a proxy, loopback trust is off (the request carries Forwarded/X-Forwarded-For): pass --secret"))
    }

    @Test func versionRefusal426_isStillNamedAsTheVersion() throws {
        let body = #"{"error":"upgrade_required","message":"Only WebSocket version 13 is supported."}"#
        let proxy = try DoctorFakeProxy(answer: "HTTP/1.1 426 Upgrade Required\r\nServer: wamp-push/0.1.0\r\nSec-WebSocket-Version: 13\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
        defer { proxy.stop() }
        let steps = Doctor(options: DoctorOptions(url: "ws://127.0.0.1:\(proxy.port)/wss", user: "alice", token: "t")).run()
        #expect(doctorOutcome(steps) == ["✓ TCP connect", "✓ TLS", "✗ HTTP upgrade"])
        #expect(steps[2].detail == "426 Upgrade Required: the WebSocket version was not accepted")
    }

    @Test func missingConnectionHeader400_isNamedAsDroppedHeaders() throws {
        let body = #"{"error":"bad_request","message":"WebSocket upgrade requires a Connection header containing Upgrade."}"#
        let proxy = try DoctorFakeProxy(answer: "HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
        defer { proxy.stop() }
        let steps = Doctor(options: DoctorOptions(url: "ws://127.0.0.1:\(proxy.port)/wss", user: "alice", token: "t")).run()
        #expect(steps[2].detail == "400 Bad Request from wamp-push through nginx/1.22.1: WebSocket upgrade requires a Connection header containing Upgrade.")
        #expect(steps[2].hint?.hasPrefix("the proxy does not forward WebSocket: it drops the Upgrade and Connection headers") == true)
    }

    @Test func gatewayTimeout504_saysTheProxyTimedOutReachingItsUpstream() throws {
        let proxy = try DoctorFakeProxy(answer: "HTTP/1.1 504 Gateway Time-out\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: 7\r\nConnection: close\r\n\r\ntimeout")
        defer { proxy.stop() }
        let steps = Doctor(options: DoctorOptions(url: "ws://127.0.0.1:\(proxy.port)/wss", user: "alice", token: "t")).run()
        #expect(steps[2].detail == "504 Gateway Time-out from nginx/1.22.1: nginx timed out waiting for its upstream")
        #expect(steps[2].hint?.hasSuffix(DoctorHints.nginxBlock) == true)
    }

    @Test func nginxBlock_inDeploymentDoc_isTheOneDoctorPrints() throws {
        let doc = try String(contentsOf: Repository.url("Docs/deployment.md"), encoding: .utf8)
        #expect(doc.contains("```nginx\n" + NginxBlock.text + "\n```\n"))
        #expect(DoctorHints.nginxBlock == NginxBlock.text)
        #expect(NginxBlock.text.contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"))
        #expect(NginxBlock.text.contains("proxy_send_timeout 3600s;"))
    }
}

/// "did you mean" for config keys and topics.
@Suite struct SuggestionTests {
    @Test func distance_countsEdits() {
        #expect(Suggestion.distance("listners", "listeners") == 1)
        #expect(Suggestion.distance("", "abc") == 3)
        #expect(Suggestion.distance("kitten", "sitting") == 3)
    }

    @Test func closest_findsTyposAndCase_butNotFarNames() {
        #expect(Suggestion.closest(to: "listners", among: ["listeners", "limits"]) == "listeners")
        #expect(Suggestion.closest(to: "Whatsapp", among: ["WhatsApp", "newNotification"]) == "WhatsApp")
        #expect(Suggestion.closest(to: "bogus", among: ["listeners", "limits", "database"]) == nil)
        #expect(Suggestion.didYouMean("datbase", among: ["database"]) == #" (did you mean "database"?)"#)
        #expect(Suggestion.didYouMean("xyz", among: ["database"]) == "")
    }

    @Test func configLoader_suggestsTheKey() {
        var config = ServerConfig()
        do {
            try ConfigLoader.apply(json: try JSONParser.parse(#"{"limits":{"maxFrameByte":1}}"#), to: &config)
            Issue.record("a mistyped key was accepted")
        } catch let error as ConfigError {
            #expect(error.key == "limits.maxFrameByte")
            #expect(error.problem.hasPrefix(#"unknown key (did you mean "maxFrameBytes"?) (allowed here: "#))
            #expect(error.problem.contains("maxFrameBytes, maxMessageBytes"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

/// The topic side: `Whatsapp` is not `WhatsApp`, and the server says which one was meant.
@Suite struct TopicSuggestionTests {
    let categories = Categories(ServerConfig.defaultCategories)

    @Test func suggestion_fixesTheCase_andKeepsTheSubtopic() {
        #expect(categories.suggestion(for: "Whatsapp") == "WhatsApp")
        #expect(categories.suggestion(for: "whatsapp.1@c.us") == "WhatsApp.1@c.us")
        #expect(categories.suggestion(for: "newNotifcation") == "newNotification")
        #expect(categories.suggestion(for: "WhatsApp") == nil) // declared
        #expect(categories.suggestion(for: "somethingElse") == nil)
    }

    @Test func topicInfo_describesDeclaredAndUndeclaredTopics() {
        let undeclared = TopicInfo.describe("Whatsapp", categories)
        #expect(undeclared["declared"]?.boolValue == false)
        #expect(undeclared["suggestion"]?.stringValue == "WhatsApp")
        #expect(undeclared["categories"]?.arrayValue?.first?.stringValue == "WhatsApp")
        let declared = TopicInfo.describe("whatsapp.message.1@c.us", categories)
        #expect(declared["declared"]?.boolValue == true)
        #expect(declared["category"]?.stringValue == "WhatsApp")
    }

    @Test func publishOfAnUndeclaredTopic_isRefusedWithDidYouMean() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try HTTPClient(baseURL: "http://\(server.plain)").request("POST", "/internal/publish", body: Array(#"{"topicId":"Whatsapp"}"#.utf8))
        #expect(response.status == 422)
        #expect(response.bodyString() == #"{"error":"unknown_topic","message":"Topic 'Whatsapp' is not in a declared category. Did you mean 'WhatsApp'?"}"#)
    }
}
