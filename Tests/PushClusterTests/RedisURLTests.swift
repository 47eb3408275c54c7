import PushCluster
import Testing

@Suite struct RedisURLTests {
    @Test func plainURL_takesDefaults() throws {
        let url = try RedisURL(parsing: "redis://127.0.0.1")
        #expect(!url.isTLS && url.host == "127.0.0.1" && url.port == 6379 && url.database == 0)
        #expect(url.username == nil && url.password == nil)
        #expect(url.description == "redis://127.0.0.1:6379")
    }

    @Test func everyPart_isRead_andThePasswordNeverPrinted() throws {
        let url = try RedisURL(parsing: "rediss://push%40node:p%3As%2Fw%40rd@redis.internal:6380/3")
        #expect(url.isTLS && url.host == "redis.internal" && url.port == 6380 && url.database == 3)
        #expect(url.username == "push@node" && url.password == "p:s/w@rd")
        #expect(url.description == "rediss://push@node:***@redis.internal:6380/3")
    }

    @Test func passwordOnly_isTheDefaultUser() throws {
        let url = try RedisURL(parsing: "REDIS://:secret@[::1]:7000/")
        #expect(url.username == nil && url.password == "secret" && url.host == "::1" && url.port == 7000 && url.database == 0)
        #expect(url.description == "redis://:***@[::1]:7000")
    }

    @Test func emptyUserInfo_meansNoAuth() throws {
        let url = try RedisURL(parsing: "redis://:@localhost")
        #expect(url.username == nil && url.password == nil && url.host == "localhost")
    }

    @Test(arguments: [
        ("http://127.0.0.1:6379", "redis URL must start with redis:// or rediss:// (not http://)"),
        ("127.0.0.1:6379", "redis URL must start with redis:// or rediss:// (not 127.0.0.1://)"),
        ("redis://", "redis URL has no host"),
        ("redis://:pw@", "redis URL has no host"),
        ("redis://host:0", "redis URL has port '0'; expected 1-65535"),
        ("redis://host:65536", "redis URL has port '65536'; expected 1-65535"),
        ("redis://host:+80", "redis URL has port '+80'; expected 1-65535"),
        ("redis://host:", "redis URL has port ''; expected 1-65535"),
        ("redis://host/x", "redis URL path '/x' is not a database number (e.g. /0)"),
        ("redis://host/-1", "redis URL path '/-1' is not a database number (e.g. /0)"),
        ("redis://host/1/2", "redis URL path '/1/2' is not a database number (e.g. /0)"),
        ("redis://host?db=1", "redis URL: query parameters and fragments are not supported"),
        ("redis://host#x", "redis URL: query parameters and fragments are not supported"),
        ("redis://user@host", "redis URL has a user name but no password (write redis://user:password@host, or redis://:password@host)"),
        ("redis://user:@host", "redis URL has a user name but an empty password"),
        ("redis://:p%zzw@host", "redis URL has a bad %-escape in its password"),
        ("redis://:p%2@host", "redis URL has a bad %-escape in its password"),
        ("redis://:%ff@host", "redis URL has a password that is not UTF-8 once %-decoded"),
        ("redis://::1:6379", "redis URL: write an IPv6 host in brackets, e.g. redis://[::1]:6379"),
        ("redis://[::1", "redis URL has '[' without ']' in its host"),
        ("redis://[::1]x", "redis URL has text after ']' that is not a :port"),
        ("redis://[host]", "redis URL has 'host' in brackets, which is not an IPv6 address"),
        ("redis://ho$t", "redis URL has a host with characters a host name cannot hold"),
        ("redis://host name", "redis URL contains a space or control character (U+20)"),
    ])
    func malformedURL_isRefusedWithOneLine(text: String, reason: String) {
        #expect(throws: RedisURLError.self) { try RedisURL(parsing: text) }
        do {
            _ = try RedisURL(parsing: text)
        } catch {
            #expect(error.description == reason)
        }
    }

    @Test func refusal_neverRepeatsThePassword() {
        for text in ["redis://:hunter2@host:99999", "redis://u:hunter2@host/db", "redis://u:hunter2@ho$t"] {
            do {
                _ = try RedisURL(parsing: text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(!error.description.contains("hunter2"))
            }
        }
    }
}
