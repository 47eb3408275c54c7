import Testing
@testable import PushServer

/// The test client's own promises: "nothing arrives" must not pass when the server hangs up.
@Suite struct WAMPTestClientTests {
    @Test func staysQuiet_isFalse_whenTheServerClosesTheSession() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.wamp(user: "admin", token: try server.createToken(user: "admin"))
        try client.send(Array("not a WAMP message".utf8)) // the server closes with 1008
        #expect(!client.staysQuiet())
    }

    @Test func staysQuiet_isTrue_whenNothingArrives() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.wamp(user: "admin", token: try server.createToken(user: "admin"))
        #expect(client.staysQuiet(0.05))
    }
}
