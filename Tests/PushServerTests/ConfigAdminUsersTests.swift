import PushCodec
@testable import PushConfig
@testable import PushServer
import Testing

/// `auth.adminUsers` (and `WAMP_PUSH_ADMIN_USERS`): strict like every other key.
@Suite struct ConfigAdminUsersTests {
    func load(_ json: String) throws(ConfigError) -> ServerConfig { try loadConfig(json) }

    @Test func adminUsers_loadFromFileAndEnvironment() throws {
        #expect(ServerConfig().auth.adminUsers.isEmpty)
        var config = try load(#"{"auth":{"adminUsers":["admin","5f3a9c-1"]}}"#)
        #expect(config.auth.adminUsers == ["admin", "5f3a9c-1"])
        try ConfigLoader.apply(environment: ["WAMP_PUSH_ADMIN_USERS": "boss, ops"], to: &config)
        #expect(config.auth.adminUsers == ["boss", "ops"])
    }

    @Test(arguments: [
        (#"{"auth":{"adminUsers":"admin"}}"#, "auth.adminUsers"),
        (#"{"auth":{"adminUsers":[7]}}"#, "auth.adminUsers[0]"),
        (#"{"auth":{"adminUsers":["ok",""]}}"#, "auth.adminUsers[1]"),
        (#"{"auth":{"adminUsers":["john.doe"]}}"#, "auth.adminUsers[0]"),
    ])
    func invalidAdminUsers_nameTheKey(_ json: String, _ key: String) {
        do {
            _ = try load(json)
            Issue.record("\(json) was accepted")
        } catch {
            #expect(error.key == key, "\(error)")
        }
    }
}
