import Foundation
import PushCodec

/// An EspoCRM installation's folder, and the metadata sources in the order EspoCRM merges them:
/// core (`application/Espo`), then every module, then `custom/Espo/Custom`. Modules are the
/// folders of `application/Espo/Modules` (core modules) and `custom/Espo/Modules` (custom ones),
/// sorted by the `order` of their `Resources/module.json` (11 when absent), ties kept in that
/// listing order, core modules first, each folder by name (EspoCRM's `Module::getOrderedList`).
struct EspoRoot {
    static let defaultModuleOrder = 11.0

    let path: String

    /// Refuses a folder that is not an EspoCRM root, with one line.
    init(_ path: String) throws(EspoConfigError) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EspoConfigError("--espo-root \(path): no such directory")
        }
        guard Self.isDirectory(absolute + "/application/Espo"), FileManager.default.fileExists(atPath: absolute + "/command.php") else {
            throw EspoConfigError("--espo-root \(path) is not an EspoCRM root (it has no application/Espo folder and command.php)")
        }
        self.path = absolute
    }

    /// A named metadata source: its folder relative to the root (`.../Resources` is below it).
    struct Source: Equatable {
        let name: String
        let folder: String
    }

    /// Core, the modules in EspoCRM's order, custom.
    func metadataSources() throws(EspoConfigError) -> [Source] {
        var modules: [(source: Source, order: Double)] = []
        var seen = Set<String>()
        for base in ["application/Espo/Modules", "custom/Espo/Modules"] {
            for name in subfolders(of: base) where seen.insert(name).inserted {
                let folder = "\(base)/\(name)"
                modules.append((Source(name: "module \(name)", folder: folder), try moduleOrder(folder)))
            }
        }
        // A stable sort, as PHP 8's usort is: equal orders keep the listing order.
        let ordered = modules.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element.source)
        return [Source(name: "core", folder: "application/Espo")] + ordered + [Source(name: "custom", folder: "custom/Espo/Custom")]
    }

    /// The text of a file under the root, or nil when it does not exist.
    func read(_ relative: String) throws(EspoConfigError) -> [UInt8]? {
        let full = path + "/" + relative
        guard FileManager.default.fileExists(atPath: full) else { return nil }
        guard let data = FileManager.default.contents(atPath: full) else { throw EspoConfigError("cannot read \(full)") }
        return Array(data)
    }

    func parseJSON(_ relative: String) throws(EspoConfigError) -> JSONValue? {
        guard let bytes = try read(relative) else { return nil }
        do { return try JSONParser.parse(bytes) } catch {
            throw EspoConfigError("JSON syntax error in \(path)/\(relative): \(error.message)")
        }
    }

    private func moduleOrder(_ folder: String) throws(EspoConfigError) -> Double {
        guard let json = try parseJSON(folder + "/Resources/module.json") else { return Self.defaultModuleOrder }
        return json["order"]?.doubleValue ?? Self.defaultModuleOrder
    }

    /// Sub-folder names in byte order (PHP's `scandir`), hidden ones left out.
    private func subfolders(of relative: String) -> [String] {
        let full = path + "/" + relative
        let names = (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? []
        return names.filter { !$0.hasPrefix(".") && Self.isDirectory(full + "/" + $0) }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
