import Foundation
@testable import PushConfig
@testable import PushServer
import Testing
import TestSupport

/// `WAMP_PUSH_*` variables: a boolean is one of the documented words or refused, and an
/// unknown name is warned about with the closest known one (Docs/configuration.md, Environment).
@Suite struct ConfigEnvironmentTests {
    static let booleans = ["WAMP_PUSH_NO_TLS", "WAMP_PUSH_ECHO", "WAMP_PUSH_CONSOLE"]

    static func read(_ name: String, _ value: String) throws(ConfigError) -> ServerConfig {
        var config = ServerConfig()
        try ConfigLoader.apply(environment: [name: value], to: &config)
        return config
    }

    @Test(arguments: booleans)
    func booleanVariable_readsTheDocumentedWords_andRefusesAnyOther(_ name: String) throws {
        func flag(_ config: ServerConfig) -> Bool {
            switch name {
            case "WAMP_PUSH_ECHO": return config.diagnostics.echo
            case "WAMP_PUSH_CONSOLE": return config.diagnostics.console
            default: return !config.listeners.contains { $0.tls != nil } // the default has a TLS listener
            }
        }
        for word in ["1", "true", "TRUE", "yes", "On"] { #expect(flag(try Self.read(name, word)), "\(word)") }
        for word in ["0", "false", "False", "no", "OFF", ""] { #expect(!flag(try Self.read(name, word)), "\(word)") }
        for word in ["ture", "2", "y", "enabled", " true", "-1"] {
            #expect(throws: ConfigError(name, #"must be 1, true, yes or on, or 0, false, no or off (got "\#(word)")"#)) {
                _ = try Self.read(name, word)
            }
        }
    }

    @Test func unknownVariable_namesTheClosestKnownOne_andOthersAreLeftAlone() {
        let warnings = ConfigLoader.environmentWarnings([
            "WAMP_PUSH_PUBLISH_SECRT": "s", "WAMP_PUSH_LISTN": "127.0.0.1:1", "WAMP_PUSH_DB": "x.sqlite",
            "WAMP_PUSH_CONFIG": "c.json", "WAMP_PUSH_FROBNICATE": "1", "PATH": "/bin", "wamp_push_db": "y",
        ])
        #expect(warnings == [
            "unknown environment variable WAMP_PUSH_FROBNICATE; it is ignored (Docs/configuration.md lists the known ones)",
            "unknown environment variable WAMP_PUSH_LISTN; did you mean WAMP_PUSH_LISTEN?",
            "unknown environment variable WAMP_PUSH_PUBLISH_SECRT; did you mean WAMP_PUSH_PUBLISH_SECRET?",
        ])
    }

    /// The shared prefix does not count towards "close": `TLS` is three edits from `DB`, too far
    /// for a three-letter name, though only three in the whole `WAMP_PUSH_TLS`.
    @Test func shortUnknownName_getsNoFarFetchedSuggestion() {
        #expect(ConfigLoader.environmentWarnings(["WAMP_PUSH_TLS": "1"])
            == ["unknown environment variable WAMP_PUSH_TLS; it is ignored (Docs/configuration.md lists the known ones)"])
    }

    /// The list the warning trusts is complete: every `WAMP_PUSH_*` name the product's sources,
    /// scripts and Makefile use is in it, and every name in it is documented.
    @Test func knownVariables_coverEveryNameInUse_andAreDocumented() throws {
        let root = Repository.root
        var used = Set<String>()
        for directory in ["Sources", "scripts", "Benchmarks"] {
            let files = FileManager.default.enumerator(atPath: root.appendingPathComponent(directory).path)?
                .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") || $0.hasSuffix(".sh") } ?? []
            #expect(!files.isEmpty, "\(directory)")
            for file in files { used.formUnion(try Self.names(in: root.appendingPathComponent(directory + "/" + file))) }
        }
        used.formUnion(try Self.names(in: root.appendingPathComponent("Makefile")))
        #expect(used.contains("WAMP_PUSH_CONFIG") && used.contains("WAMP_PUSH_CONSOLE"))
        #expect(used.subtracting(ConfigLoader.environmentVariables).isEmpty, "\(used.subtracting(ConfigLoader.environmentVariables))")
        let documented = try Self.names(in: root.appendingPathComponent("Docs/configuration.md"))
        #expect(ConfigLoader.environmentVariables.subtracting(documented).isEmpty,
                "\(ConfigLoader.environmentVariables.subtracting(documented))")
        #expect(ConfigLoader.environmentWarnings(Dictionary(uniqueKeysWithValues: used.map { ($0, "1") })).isEmpty)
    }

    static func names(in file: URL) throws -> Set<String> {
        let text = try String(contentsOf: file, encoding: .utf8)
        let regex = try NSRegularExpression(pattern: "WAMP_PUSH_[A-Z0-9_]*[A-Z0-9]")
        return Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range, in: text).map { String(text[$0]) }
        })
    }
}
