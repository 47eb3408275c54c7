import ArgumentParser
import Foundation
import PushConfig
import PushEspo
import PushServer

/// `wamp-push espo-config --espo-root DIR`: the config that serves that EspoCRM installation as
/// its `websocket.php` did, on stdout; what was assumed or changed, one `note:` line each on
/// stderr (Docs/espocrm.md). `serve --espo-root DIR` uses the same config directly.
struct EspoConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "espo-config",
        abstract: "Print a wamp-push config for an EspoCRM installation (categories, commands, ZeroMQ, listener).")

    @Option(name: .long, help: "The EspoCRM folder (where command.php is).") var espoRoot: String
    @Option(name: .long, help: "PHP that reads the CRM's data/config.php (a path or a name on PATH).") var php: String = "php"
    @Flag(name: .long, help: "Do not run PHP: use EspoCRM's defaults for every setting (each is named on stderr).") var noPhp = false

    func run() throws {
        let espo = try Self.derive(root: espoRoot, php: noPhp ? nil : php)
        print(espo.configText, terminator: "")
    }

    /// Reads the installation, prints its notes on stderr, and checks that the result loads.
    static func derive(root: String, php: String?) throws -> EspoInstallation {
        let espo: EspoInstallation
        do { espo = try EspoInstallation.read(root: root, options: .init(php: php)) } catch { throw ValidationError(error.message) }
        for note in espo.notes { FileHandle.standardError.write(Data("wamp-push: note: \(note)\n".utf8)) }
        var check = ServerConfig()
        do { try ConfigLoader.apply(json: espo.config, to: &check) } catch {
            throw ValidationError("the config made from \(root) does not load: \(error.description)")
        }
        return espo
    }
}
