import Foundation
import PushCodec
import Synchronization

/// Reads the WebSocket settings of an EspoCRM installation by letting PHP evaluate its config
/// files (they are PHP code returning arrays), merged in EspoCRM's order: `data/config.php`, then
/// `data/config-internal.php` and the two `-override` files. Only the keys below are printed, so
/// no database password or secret ever leaves the child.
enum PHPConfigReader {
    static let files = ["data/config.php", "data/config-internal.php", "data/config-override.php", "data/config-internal-override.php"]
    static let keys = ["phpExecutablePath", "useWebSocket", "webSocketMessager", "webSocketZeroMQSubscriberDsn",
                       "webSocketZeroMQSubmissionDsn", "webSocketPort", "webSocketUseSecureServer",
                       "webSocketSslCertificateFile", "webSocketSslCertificateLocalPrivateKey", "webSocketUrl", "siteUrl"]
    /// A config printing more than this is not one we understand.
    static let maxOutputBytes = 1 << 20

    static var script: String {
        let fileList = files.map { "'\($0)'" }.joined(separator: ", ")
        let keyList = keys.map { "'\($0)'" }.joined(separator: ", ")
        return """
        $c = []; $read = [];
        foreach ([\(fileList)] as $f) {
            if (!is_file($f)) { continue; }
            ob_start(); $d = include $f; ob_end_clean();
            if (is_array($d)) { $c = array_replace($c, $d); $read[] = $f; }
        }
        $v = [];
        foreach ([\(keyList)] as $k) { if (array_key_exists($k, $c)) { $v[$k] = $c[$k]; } }
        $v['webSocketSslCertificatePassphraseSet'] = !empty($c['webSocketSslCertificatePassphrase']);
        echo json_encode(['files' => $read, 'values' => (object) $v]);
        """
    }

    /// The values set in the config files and the files that were read; throws one line when
    /// PHP ran but could not evaluate them.
    static func read(root: String, php: String, timeoutSeconds: Double) throws(EspoConfigError) -> (values: JSONObject, files: [String]) {
        let result = try ChildProcess.run(php, ["-d", "display_errors=stderr", "-r", script], directory: root,
                                          timeoutSeconds: timeoutSeconds, maxOutputBytes: maxOutputBytes)
        let firstError = result.stderr.split(separator: "\n").first.map(String.init) ?? "exit status \(result.status)"
        guard result.status == 0 else { throw EspoConfigError("could not read the CRM's config through \(php): \(firstError)") }
        guard let json = try? JSONParser.parse(result.stdout), let values = json["values"]?.objectValue else {
            throw EspoConfigError("could not read the CRM's config through \(php): unexpected output")
        }
        let files = json["files"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return (values, files)
    }

    /// `php` as given when it has a slash, else the first executable of that name on PATH.
    static func locate(_ php: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if php.contains("/") { return FileManager.default.isExecutableFile(atPath: php) ? php : nil }
        for folder in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(php)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Runs a program to its end with a deadline, collecting bounded output.
enum ChildProcess {
    struct Result {
        let status: Int32
        let stdout: [UInt8]
        let stderr: String
    }

    static func run(_ executable: String, _ arguments: [String], directory: String, timeoutSeconds: Double,
                    maxOutputBytes: Int) throws(EspoConfigError) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw EspoConfigError("cannot run \(executable): \(error.localizedDescription)") }
        // Both pipes are drained while the child runs, so a chatty child cannot block on a full pipe.
        let collected = OutputCollector()
        let group = DispatchGroup()
        for (handle, isError) in [(out.fileHandleForReading, false), (err.fileHandleForReading, true)] {
            DispatchQueue.global().async(group: group) {
                collected.store(handle.readDataToEndOfFile(), isError: isError)
            }
        }
        let finished = group.wait(timeout: .now() + timeoutSeconds) == .success
        if !finished {
            kill(process.processIdentifier, SIGKILL)
            // A grandchild could hold the pipes open; do not wait on it for long.
            _ = group.wait(timeout: .now() + 1)
        }
        process.waitUntilExit()
        guard finished else { throw EspoConfigError("\(executable) did not finish within \(Int(timeoutSeconds)) s") }
        let (stdout, stderr) = collected.values
        guard stdout.count <= maxOutputBytes else { throw EspoConfigError("\(executable) printed more than \(maxOutputBytes) bytes") }
        return Result(status: process.terminationStatus, stdout: Array(stdout), stderr: String(decoding: stderr.prefix(4096), as: UTF8.self))
    }
}

/// The two outputs, written by the reader threads and read after `DispatchGroup.wait`; behind a `Mutex`.
private final class OutputCollector: Sendable {
    private let data = Mutex<(out: Data, err: Data)>((Data(), Data()))

    func store(_ bytes: Data, isError: Bool) {
        data.withLock { if isError { $0.err = bytes } else { $0.out = bytes } }
    }

    var values: (Data, Data) { data.withLock { ($0.out, $0.err) } }
}
