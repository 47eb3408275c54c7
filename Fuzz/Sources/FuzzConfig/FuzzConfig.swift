import FuzzSupport
import Glibc
import PushCodec
import PushConfig
import PushServer

/// The configuration loader (`ConfigLoader`, public in PushServer), on both of its inputs.
///
/// As a config file: the bytes are written to a file and loaded with `apply(file:)`, then
/// `validate`d. Every refusal is one line naming a key (or, for a file that is not a JSON object,
/// the whole file); the file path and `apply(json:)` on the parsed value agree; the result depends
/// on the JSON value, not its spelling (written back compactly, it loads the same); and loading a
/// file that loaded once again onto its own result changes nothing.
///
/// As an environment: the bytes are `NAME=value` lines for `apply(environment:)`. A refusal is
/// one line naming one of the variables given; variables outside `WAMP_PUSH_*` change nothing;
/// applying the same environment twice gives what applying it once gave.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    checkFile(bytes)
    checkEnvironment(bytes)
    return 0
}

@main
enum FuzzConfig {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

/// One file, rewritten for every input (a per-process name, so parallel runs do not share it).
let filePath = "/tmp/wamp-push-fuzz-config-\(getpid()).json"

func load(file bytes: [UInt8]) -> Result<ServerConfig, ConfigError> {
    let fd = open(filePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    invariant(fd >= 0, "cannot write \(filePath)")
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    invariant(written == bytes.count, "short write to \(filePath)")
    var config = ServerConfig()
    return Result { () throws(ConfigError) in
        try ConfigLoader.apply(file: filePath, to: &config)
        try ConfigLoader.validate(config)
        return config
    }
}

func load(json: JSONValue, onto start: ServerConfig = ServerConfig()) -> Result<ServerConfig, ConfigError> {
    var config = start
    return Result { () throws(ConfigError) in
        try ConfigLoader.apply(json: json, to: &config)
        try ConfigLoader.validate(config)
        return config
    }
}

func checkOneLine(_ error: ConfigError, _ context: String) {
    let text = error.description
    invariant(!error.problem.isEmpty, "\(context): a refusal without a problem: \(text)")
    invariant(!text.utf8.contains { $0 < 0x20 || $0 == 0x7F }, "\(context): refusal is not one plain line: \(text.debugDescription)")
}

func checkFile(_ bytes: [UInt8]) {
    let viaFile = load(file: bytes)
    guard let json = try? JSONParser.parse(bytes) else {
        guard case .failure(let error) = viaFile else { return invariant(false, "a file that is not JSON loaded") }
        invariant(error.key.isEmpty && error.problem.contains("is not valid JSON"), "non-JSON file refused as \(error)")
        return checkOneLine(error, "file")
    }
    let viaJSON = load(json: json)
    invariant(viaFile == viaJSON, "the file gave \(viaFile), its JSON value \(viaJSON)")
    if case .failure(let error) = viaJSON { checkOneLine(error, "file") }
    let respelled = (try? JSONParser.parse(json.jsonBytes)).map { load(json: $0) }
    invariant(respelled == viaJSON, "written back compactly it gives \(String(describing: respelled)), the file gave \(viaJSON)")
    if case .success(let config) = viaJSON {
        invariant(load(json: json, onto: config) == viaJSON, "loading the file again onto its result changed it")
    }
}

func checkEnvironment(_ bytes: [UInt8]) {
    var environment: [String: String] = [:]
    for line in bytes.split(separator: UInt8(ascii: "\n")).prefix(32) {
        guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
        environment[String(decoding: line[..<eq], as: UTF8.self)] = String(decoding: line[(eq + 1)...], as: UTF8.self)
    }
    func apply(_ env: [String: String], onto start: ServerConfig = ServerConfig()) -> Result<ServerConfig, ConfigError> {
        var config = start
        return Result { () throws(ConfigError) in
            try ConfigLoader.apply(environment: env, to: &config)
            return config
        }
    }
    let once = apply(environment)
    let ours = environment.filter { $0.key.hasPrefix("WAMP_PUSH_") }
    invariant(apply(ours) == once, "variables outside WAMP_PUSH_* changed the result")
    switch once {
    case .failure(let error):
        invariant(environment[error.key] != nil, "refusal names \(error.key), which was not given")
        checkOneLine(error, "environment")
    case .success(let config):
        invariant(apply(environment, onto: config) == once, "applying the environment twice differs from once")
        if case .failure(let error) = Result(catching: { () throws(ConfigError) in try ConfigLoader.validate(config) }) {
            invariant(!error.key.isEmpty, "validation refused without a key: \(error)")
            checkOneLine(error, "environment")
        }
    }
}
