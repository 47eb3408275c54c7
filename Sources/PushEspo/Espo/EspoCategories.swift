import PushCodec

/// The WebSocket categories of an EspoCRM installation: `app > webSocket > categories` from each
/// source's `Resources/metadata/app/webSocket.json`, merged in EspoCRM's order and by its rule.
enum EspoCategories {
    static let metadataFile = "Resources/metadata/app/webSocket.json"
    /// The category keys wamp-push reads (Docs/configuration.md, `categories`); EspoCRM's own.
    static let knownKeys: Set<String> = ["paramList", "accessCheckCommand"]

    /// The merged categories, with notes on what was left out, and the files that were read.
    static func read(_ root: EspoRoot) throws(EspoConfigError) -> (categories: JSONObject, notes: [String], files: [String]) {
        var merged: JSONValue = .object(JSONObject())
        var files: [String] = []
        for source in try root.metadataSources() {
            let file = source.folder + "/" + metadataFile
            guard let json = try root.parseJSON(file) else { continue }
            guard json.objectValue != nil else { throw EspoConfigError("\(root.path)/\(file): must hold a JSON object") }
            files.append(file)
            merged = MetadataMerge.merge(merged, json)
        }
        guard let categories = merged["categories"] else { return (JSONObject(), [], files) }
        guard let object = categories.objectValue else {
            throw EspoConfigError("app > webSocket > categories must be an object (in \(files.joined(separator: ", ")))")
        }
        let (kept, notes) = try clean(object)
        return (kept, notes, files)
    }

    /// Keeps what the config loader accepts: an object per category with a string list `paramList`
    /// and a string `accessCheckCommand`. A null category (a later source unsetting it) is left out.
    private static func clean(_ object: JSONObject) throws(EspoConfigError) -> (categories: JSONObject, notes: [String]) {
        var out = JSONObject()
        var notes: [String] = []
        for name in object.keys {
            guard let value = object[name] else { continue }
            if value.isNull {
                notes.append("category \(name) is null in the merged metadata: left out")
                continue
            }
            guard name != "", let category = value.objectValue else {
                throw EspoConfigError("category \"\(name)\" must be an object in app > webSocket > categories")
            }
            var kept = JSONObject()
            for key in category.keys {
                guard let field = category[key] else { continue }
                guard knownKeys.contains(key) else {
                    notes.append("category \(name): key \(key) is not used by wamp-push, left out")
                    continue
                }
                if key == "paramList", field.arrayValue?.allSatisfy({ $0.stringValue != nil }) != true {
                    throw EspoConfigError("category \(name): paramList must be a list of strings")
                }
                if key == "accessCheckCommand", field.stringValue == nil, !field.isNull {
                    throw EspoConfigError("category \(name): accessCheckCommand must be a string")
                }
                kept.set(key, field)
            }
            out.set(name, .object(kept))
        }
        return (out, notes)
    }
}
