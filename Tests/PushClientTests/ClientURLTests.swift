@testable import PushClient
import Testing

@Suite struct ClientURLTests {
    @Test func parse_splitsHttpURL_keepingQueryAndDroppingFragment() throws {
        let url = try ClientURL.parse("http://127.0.0.1:8080/healthz?x=1#top")
        #expect(url == ClientURL(scheme: "http", host: "127.0.0.1", port: 8080, path: "/healthz?x=1"))
        #expect(url.isSecure == false)
        #expect(url.authority == "127.0.0.1:8080")
        #expect(url.hostHeader == "127.0.0.1:8080")
    }

    @Test func parse_lowercasesSchemeAndHost_andUsesDefaultSecurePort() throws {
        let url = try ClientURL.parse("WSS://Example.COM/wss")
        #expect(url == ClientURL(scheme: "wss", host: "example.com", port: 443, path: "/wss"))
        #expect(url.isSecure)
        #expect(url.hostHeader == "example.com")
        #expect(url.hostIsAddress == false)
    }

    @Test func parse_readsBracketedIPv6() throws {
        let url = try ClientURL.parse("https://[::1]:8443")
        #expect(url == ClientURL(scheme: "https", host: "::1", port: 8443, path: "/"))
        #expect(url.authority == "[::1]:8443")
        #expect(url.hostHeader == "[::1]:8443")
        #expect(url.hostIsAddress)
        #expect(try ClientURL.parse("ws://[::1]/x").hostHeader == "[::1]")
    }

    @Test func parse_keepsLocalhostName_butConnectsToLoopback() throws {
        let url = try ClientURL.parse("ws://localhost:9000?token=a")
        #expect(url.host == "localhost")
        #expect(url.connectHost == "127.0.0.1")
        #expect(url.path == "/?token=a")
        #expect(try ClientURL.parse("http://h").port == 80)
        #expect(try ClientURL.parse("http://h").description == "http://h/")
    }

    @Test(arguments: [
        ("ftp://x/", "invalid URL 'ftp://x/': unsupported scheme 'ftp' (expected http, https, ws or wss)"),
        ("127.0.0.1:80", "invalid URL '127.0.0.1:80': expected scheme://host"),
        ("http://:80/", "invalid URL 'http://:80/': the host is empty"),
        ("http://h:0/", "invalid URL 'http://h:0/': the port '0' is not a number from 1 to 65535"),
        ("http://h:99999", "invalid URL 'http://h:99999': the port '99999' is not a number from 1 to 65535"),
        ("http://h:/", "invalid URL 'http://h:/': the port '' is not a number from 1 to 65535"),
        ("http://[::1/", "invalid URL 'http://[::1/': '[' without ']'"),
        ("http://[zz]:1/", "invalid URL 'http://[zz]:1/': 'zz' is not an IPv6 address"),
        ("http://user:pw@h/", "invalid URL 'http://user:pw@h/': credentials in URLs are not supported"),
        ("http://h/a b", "invalid URL 'http://h/a b': the path contains a space, a control or a non-ASCII character (percent-encode it)"),
        ("http://h%41/", "invalid URL 'http://h%41/': the host 'h%41' contains a character not allowed in a host name"),
    ])
    func parse_rejectsBadURL_withMessage(text: String, message: String) {
        #expect(throws: ClientError(.invalidURL, message)) { try ClientURL.parse(text) }
    }

    @Test func handshakeKey_base64MatchesRFC4648AndRFC6455Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(WebSocketHandshakeKey.base64(Array(plain.utf8)) == encoded)
        }
        #expect(WebSocketHandshakeKey.expectedAccept(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let key = WebSocketHandshakeKey.make()
        #expect(key.utf8.count == 24 && key.hasSuffix("=="))
        #expect(key != WebSocketHandshakeKey.make())
    }
}
