import Foundation
@testable import PushEspo
import PushCodec
import Testing
import TestSupport

let fixtureRoot = Repository.url("Fixtures/espocrm").path

/// The categories Fixtures/espocrm declares, merged in EspoCRM's order (see its README).
let fixtureCategories: JSONObject = [
    "newNotification": [:],
    "appParamsUpdate": [:],
    "recordUpdate": ["paramList": ["scope", "id"], "accessCheckCommand": "AclCheck --userId=:userId --scope=:scope --id=:id --action=read"],
    "streamUpdate": ["paramList": ["scope", "id"], "accessCheckCommand": "AclCheck --userId=:userId --scope=:scope --id=:id --action=read"],
    "calendarUpdate": ["paramList": ["userId", "view"]],
    "popupNotifications.event": [:],
    "WhatsApp": ["paramList": ["chatId"]],
    "customTopic": ["paramList": ["id"]],
]

/// A copy of the fixture tree in a temporary folder, with `data/config.php` (and the internal
/// file) replaced when given; removed by the caller.
func fixtureCopy(config: String? = nil, internalConfig: String? = nil) throws -> String {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("espo-\(UUID().uuidString)").path
    try FileManager.default.copyItem(atPath: fixtureRoot, toPath: copy)
    if let config { try config.write(toFile: copy + "/data/config.php", atomically: true, encoding: .utf8) }
    if let internalConfig { try internalConfig.write(toFile: copy + "/data/config-internal.php", atomically: true, encoding: .utf8) }
    return copy
}

func phpArray(_ entries: String) -> String { "<?php\nreturn [\n\(entries)\n];\n" }

@Suite struct EspoInstallationTests {
    @Test func sources_followEspoCRMsModuleOrder() throws {
        let names = try EspoRoot(fixtureRoot).metadataSources().map(\.name)
        #expect(names == ["core", "module Early", "module Crm", "module Chat", "module Alpha", "custom"])
    }

    @Test func withoutPHP_categoriesMerge_andDefaultsAreNamed() throws {
        let espo = try EspoInstallation.read(root: fixtureRoot, options: .init(php: nil))
        #expect(espo.categories == fixtureCategories)
        #expect(espo.metadataFiles.count == 6)
        #expect(espo.configFiles.isEmpty)
        #expect(espo.phpCommand == "php")
        #expect(espo.zeroMQ == "tcp://127.0.0.1:5555")
        #expect(espo.listener == .init(address: "127.0.0.1:8080", certificateFile: nil, privateKeyFile: nil))
        let notes = espo.notes.joined(separator: "\n")
        #expect(notes.contains("PHP not run: data/config.php and data/config-internal.php were not read; EspoCRM's defaults assumed"))
        #expect(notes.contains("phpExecutablePath not set: the commands run php"))
        #expect(notes.contains("webSocketZeroMQSubscriberDsn not set: EspoCRM's default tcp://127.0.0.1:5555"))
        #expect(notes.contains("webSocketPort not set: EspoCRM's default 8080"))
        #expect(notes.contains("category customTopic: key fixtureFutureKey is not used by wamp-push, left out"))
        #expect(espo.notes.allSatisfy { !$0.contains("\n") })
    }

    @Test func phpNotFound_saysWhich() throws {
        let espo = try EspoInstallation.read(root: fixtureRoot, options: .init(php: "/nonexistent/php"))
        #expect(espo.notes.contains { $0.hasPrefix("/nonexistent/php was not found: data/config.php") })
    }

    @Test func config_pointsTheCommandsAtTheCRM() throws {
        let espo = try EspoInstallation.read(root: fixtureRoot, options: .init(php: nil))
        let config = espo.config
        #expect(config["auth"] == ["verifyCommand": "php command.php AuthTokenCheck :token", "workingDirectory": .string(fixtureRoot)])
        #expect(config["accessCheck"] == ["commandPrefix": "php command.php", "workingDirectory": .string(fixtureRoot)])
        #expect(config["espo"] == ["zeroMQ": "tcp://127.0.0.1:5555"])
        #expect(config["listeners"] == [["address": "127.0.0.1:8080"]])
        #expect(config["categories"] == .object(fixtureCategories))
        #expect(config.objectValue?.keys == ["listeners", "categories", "auth", "accessCheck", "espo"])
        // The printed text is the same JSON.
        #expect(try JSONParser.parse(espo.configText) == config)
        #expect(espo.configText.hasSuffix("}\n"))
    }

    @Test func notAnEspoRoot_isOneLine() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("not-espo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: EspoConfigError("--espo-root \(empty) is not an EspoCRM root (it has no application/Espo folder and command.php)")) {
            try EspoInstallation.read(root: empty, options: .init(php: nil))
        }
        #expect(throws: EspoConfigError("--espo-root /nonexistent/espocrm: no such directory")) {
            try EspoInstallation.read(root: "/nonexistent/espocrm", options: .init(php: nil))
        }
    }

    @Test func badMetadataJSON_namesTheFile() throws {
        let copy = try fixtureCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let file = copy + "/custom/Espo/Modules/Chat/Resources/metadata/app/webSocket.json"
        try #"{"categories": {"WhatsApp": }"#.write(toFile: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: EspoConfigError.self) { try EspoInstallation.read(root: copy, options: .init(php: nil)) }
        #expect(error?.message.hasPrefix("JSON syntax error in \(copy)/custom/Espo/Modules/Chat/Resources/metadata/app/webSocket.json") == true)
    }

    @Test func aCategoryThatIsNotAnObject_isRefused_andANullOneLeftOut() throws {
        let copy = try fixtureCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let custom = copy + "/custom/Espo/Custom/Resources/metadata/app/webSocket.json"
        try #"{"categories": {"appParamsUpdate": null}}"#.write(toFile: custom, atomically: true, encoding: .utf8)
        let espo = try EspoInstallation.read(root: copy, options: .init(php: nil))
        #expect(espo.categories["appParamsUpdate"] == nil)
        #expect(espo.notes.contains("category appParamsUpdate is null in the merged metadata: left out"))
        try #"{"categories": {"appParamsUpdate": "yes"}}"#.write(toFile: custom, atomically: true, encoding: .utf8)
        #expect(throws: EspoConfigError("category \"appParamsUpdate\" must be an object in app > webSocket > categories")) {
            try EspoInstallation.read(root: copy, options: .init(php: nil))
        }
    }

    @Test func prettyJSON_roundTrips() throws {
        let value = try JSONParser.parse(#"{"a":[1,{"b":[]}],"c":{},"d":"x\"/\u00e9","e":[["n"]],"f":[],"g":["p","q"]}"#)
        let text = PrettyJSON.text(value)
        #expect(try JSONParser.parse(text) == value)
        #expect(text.contains(#""g": ["p", "q"]"#))
    }

    @Test func shellWord_quotesOnlyWhatNeedsIt() {
        #expect(EspoInstallation.shellWord("/usr/bin/php8.2") == "/usr/bin/php8.2")
        #expect(EspoInstallation.shellWord("/opt/my php/php") == "'/opt/my php/php'")
        #expect(EspoInstallation.shellWord("/opt/it's/php") == #"'/opt/it'\''s/php'"#)
    }
}

/// The same, reading the CRM's config files through a real PHP.
@Suite(.enabled(if: Peers.phpCLI != nil, Peers.phpCLIReason))
struct EspoInstallationPHPTests {
    @Test func fixture_readsConfigAndInternalConfig_inEspoCRMsOrder() throws {
        let espo = try EspoInstallation.read(root: fixtureRoot, options: .init(php: Peers.phpCLI!))
        #expect(espo.configFiles == ["data/config.php", "data/config-internal.php"])
        #expect(espo.categories == fixtureCategories)
        #expect(espo.phpCommand == "/usr/bin/php")
        #expect(espo.zeroMQ == "tcp://127.0.0.1:5555")
        #expect(espo.listener.address == "127.0.0.1:8082", "config-internal.php wins over config.php")
        #expect(espo.config["auth"]?["verifyCommand"] == "/usr/bin/php command.php AuthTokenCheck :token")
        #expect(espo.config["accessCheck"]?["commandPrefix"] == "/usr/bin/php command.php")
        #expect(!espo.notes.contains { $0.contains("assumed") || $0.contains("not set") }, "\(espo.notes)")
        #expect(!espo.configText.contains("never-printed"))
    }

    @Test func wildcardSubscriberDsn_becomesLoopback_withANote() throws {
        let copy = try fixtureCopy(config: phpArray("""
            'useWebSocket' => true,
            'webSocketZeroMQSubscriberDsn' => 'tcp://*:7777',
            'webSocketZeroMQSubmissionDsn' => 'tcp://espocrm-websocket:7777',
            """), internalConfig: phpArray("'phpExecutablePath' => '/usr/bin/php',"))
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let espo = try EspoInstallation.read(root: copy, options: .init(php: Peers.phpCLI!))
        #expect(espo.zeroMQ == "tcp://127.0.0.1:7777")
        #expect(espo.notes.contains { $0.hasPrefix("webSocketZeroMQSubscriberDsn tcp://*:7777 binds every interface; espo.zeroMQ is tcp://127.0.0.1:7777") && $0.contains("tcp://espocrm-websocket:7777") })
        #expect(espo.listener.address == "127.0.0.1:8080")
    }

    @Test func explicitAddressDsn_isKeptAsWritten() throws {
        let copy = try fixtureCopy(config: phpArray("'useWebSocket' => true, 'webSocketZeroMQSubscriberDsn' => 'tcp://10.0.0.5:6000',"))
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let espo = try EspoInstallation.read(root: copy, options: .init(php: Peers.phpCLI!))
        #expect(espo.zeroMQ == "tcp://10.0.0.5:6000")
    }

    @Test func secureServer_listensWithTheCRMsCertificate() throws {
        let copy = try fixtureCopy(config: phpArray("""
            'useWebSocket' => true,
            'webSocketUseSecureServer' => true,
            'webSocketSslCertificateFile' => 'data/ssl/bundle.pem',
            'webSocketSslCertificatePassphrase' => 'secret-never-printed',
            """), internalConfig: phpArray(""))
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let espo = try EspoInstallation.read(root: copy, options: .init(php: Peers.phpCLI!))
        #expect(espo.listener == .init(address: "0.0.0.0:8443", certificateFile: copy + "/data/ssl/bundle.pem",
                                       privateKeyFile: copy + "/data/ssl/bundle.pem"))
        #expect(espo.config["listeners"] == [["address": "0.0.0.0:8443", "tls": ["cert": .string(copy + "/data/ssl/bundle.pem"),
                                                                                 "key": .string(copy + "/data/ssl/bundle.pem")]]])
        #expect(espo.notes.contains { $0.hasPrefix("webSocketSslCertificateLocalPrivateKey not set: the key is read from") })
        #expect(espo.notes.contains { $0.hasPrefix("webSocketSslCertificatePassphrase is set") })
        #expect(!espo.notes.joined().contains("secret-never-printed"))
    }

    @Test func secureServer_withKeyAndPort() throws {
        let copy = try fixtureCopy(config: phpArray("""
            'webSocketUseSecureServer' => true, 'webSocketPort' => 9443,
            'webSocketSslCertificateFile' => '/etc/ssl/crm/cert.pem',
            'webSocketSslCertificateLocalPrivateKey' => '/etc/ssl/crm/key.pem',
            """), internalConfig: phpArray(""))
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let espo = try EspoInstallation.read(root: copy, options: .init(php: Peers.phpCLI!))
        #expect(espo.listener == .init(address: "0.0.0.0:9443", certificateFile: "/etc/ssl/crm/cert.pem", privateKeyFile: "/etc/ssl/crm/key.pem"))
        #expect(espo.notes.contains { $0.hasPrefix("useWebSocket is off in the CRM") })
    }

    /// As EspoCRM's client builds its URL: the listener is public only when browsers dial the port itself.
    @Test(arguments: [
        ("'webSocketUrl' => 'wss://crm.example.test/wss', 'siteUrl' => 'https://crm.example.test',", "127.0.0.1:8080"),
        ("'webSocketUrl' => 'ws://crm.example.test:8080', 'siteUrl' => 'http://crm.example.test',", "0.0.0.0:8080"),
        ("'webSocketUrl' => 'ws://crm.example.test:9000', 'webSocketPort' => 9000,", "0.0.0.0:9000"),
        ("'siteUrl' => 'http://crm.example.test',", "0.0.0.0:8080"),
        ("'siteUrl' => 'http://crm.example.test', 'webSocketPort' => '8081',", "127.0.0.1:8081"),
        ("'siteUrl' => 'https://crm.example.test/crm/',", "127.0.0.1:8080"),
        ("", "127.0.0.1:8080"),
    ])
    func listener_isPublicOnlyWhenBrowsersDialThePort(entries: String, address: String) throws {
        let copy = try fixtureCopy(config: phpArray("'useWebSocket' => true, " + entries), internalConfig: phpArray(""))
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let espo = try EspoInstallation.read(root: copy, options: .init(php: Peers.phpCLI!))
        #expect(espo.listener.address == address)
        #expect(espo.notes.contains { $0.hasPrefix("listening on \(address)") }, "\(espo.notes)")
    }

    @Test func secureServer_withoutACertificate_isOneLine() throws {
        let copy = try fixtureCopy(config: phpArray("'webSocketUseSecureServer' => true,"), internalConfig: phpArray(""))
        defer { try? FileManager.default.removeItem(atPath: copy) }
        #expect(throws: EspoConfigError("webSocketUseSecureServer is on in the CRM's config but webSocketSslCertificateFile is not set")) {
            try EspoInstallation.read(root: copy, options: .init(php: Peers.phpCLI!))
        }
    }

    @Test(arguments: [
        ("'webSocketPort' => 'abc',", "webSocketPort in the CRM's config must be a port number (got \"abc\")"),
        ("'webSocketPort' => 70000,", "webSocketPort in the CRM's config must be a port number (got 70000)"),
        ("'webSocketZeroMQSubscriberDsn' => 'inproc://x',",
         "webSocketZeroMQSubscriberDsn in the CRM's config: invalid ZeroMQ endpoint \"inproc://x\": must be tcp://HOST:PORT or ipc://PATH"),
        ("'phpExecutablePath' => ['php'],", "phpExecutablePath in the CRM's config must be a string (got [\"php\"])"),
    ])
    func unusableSetting_isOneLineNamingTheKey(entry: String, message: String) throws {
        let copy = try fixtureCopy(config: phpArray(entry), internalConfig: phpArray(""))
        defer { try? FileManager.default.removeItem(atPath: copy) }
        #expect(throws: EspoConfigError(message)) { try EspoInstallation.read(root: copy, options: .init(php: Peers.phpCLI!)) }
    }

    @Test func brokenConfigFile_isOneLine() throws {
        let copy = try fixtureCopy(config: "<?php\nreturn [ 'useWebSocket' => ;\n")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let error = #expect(throws: EspoConfigError.self) { try EspoInstallation.read(root: copy, options: .init(php: Peers.phpCLI!)) }
        #expect(error?.message.hasPrefix("could not read the CRM's config through \(Peers.phpCLI!): PHP Parse error") == true, "\(String(describing: error))")
    }

    @Test func missingConfigFiles_areDefaults() throws {
        let copy = try fixtureCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.removeItem(atPath: copy + "/data/config.php")
        try FileManager.default.removeItem(atPath: copy + "/data/config-internal.php")
        let espo = try EspoInstallation.read(root: copy, options: .init(php: Peers.phpCLI!))
        #expect(espo.notes.contains("no data/config.php in \(copy): EspoCRM's defaults assumed"))
        #expect(espo.phpCommand == Peers.phpCLI!)
        #expect(espo.listener.address == "127.0.0.1:8080")
    }
}

@Suite struct MetadataMergeTests {
    @Test func objectsMergeByKey_newKeysLast() throws {
        let merged = MetadataMerge.merge(try JSONParser.parse(#"{"a":{"x":1,"y":2},"b":1}"#), try JSONParser.parse(#"{"c":3,"a":{"y":5,"z":6}}"#))
        #expect(merged.jsonString == #"{"a":{"x":1,"y":5,"z":6},"b":1,"c":3}"#)
    }

    @Test func arraysAreReplaced_unlessAppended() throws {
        #expect(MetadataMerge.merge(try JSONParser.parse(#"{"l":[1,2]}"#), try JSONParser.parse(#"{"l":[3]}"#)).jsonString == #"{"l":[3]}"#)
        #expect(MetadataMerge.merge(try JSONParser.parse(#"{"l":[1,2]}"#), try JSONParser.parse(#"{"l":["__APPEND__",3]}"#)).jsonString == #"{"l":[1,2,3]}"#)
        // A new key keeps no marker.
        #expect(MetadataMerge.merge(try JSONParser.parse(#"{}"#), try JSONParser.parse(#"{"l":["__APPEND__",3]}"#)).jsonString == #"{"l":[3]}"#)
    }

    @Test func scalarsAndNullReplace_andANullOlderValueIsReplacedOutright() throws {
        #expect(MetadataMerge.merge(try JSONParser.parse(#"{"a":{"x":1}}"#), try JSONParser.parse(#"{"a":null}"#)).jsonString == #"{"a":null}"#)
        #expect(MetadataMerge.merge(try JSONParser.parse(#"{"a":null}"#), try JSONParser.parse(#"{"a":{"l":["__APPEND__",1]}}"#)).jsonString == #"{"a":{"l":[1]}}"#)
        #expect(MetadataMerge.merge(try JSONParser.parse(#"{"a":"x"}"#), try JSONParser.parse(#"{"a":2}"#)).jsonString == #"{"a":2}"#)
    }

    @Test func emptyObjectChangesNothing() throws {
        #expect(MetadataMerge.merge(try JSONParser.parse(#"{"a":{"p":[1]}}"#), try JSONParser.parse(#"{"a":{}}"#)).jsonString == #"{"a":{"p":[1]}}"#)
    }
}
