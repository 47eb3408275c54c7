import PushCodec
@testable import PushConfig
@testable import PushServer

/// A config built the way `serve` builds one: defaults, then `json`, then `environment`, then
/// the cross-field checks. Shared by the config test suites.
func loadConfig(_ json: String, environment: [String: String] = [:]) throws(ConfigError) -> ServerConfig {
    var config = ServerConfig()
    try ConfigLoader.apply(json: try! JSONParser.parse(json), to: &config)
    try ConfigLoader.apply(environment: environment, to: &config)
    try ConfigLoader.validate(config)
    return config
}
