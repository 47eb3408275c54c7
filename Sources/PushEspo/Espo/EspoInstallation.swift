import Foundation
import PushCodec

/// A wamp-push config for one EspoCRM installation, built from its folder as `websocket.php`
/// would have run there (Docs/espocrm.md): the merged WebSocket categories, the token check and
/// access checks through its `command.php`, the ZeroMQ endpoint and the listener. `notes` says
/// what was assumed or changed, one line each, for the CLI to print on stderr.
public struct EspoInstallation: Sendable {
    public struct Options: Sendable {
        /// The PHP that reads the CRM's config files: a path, or a name looked up on PATH; nil never runs PHP.
        public var php: String?
        public var phpTimeoutSeconds: Double

        public init(php: String? = "php", phpTimeoutSeconds: Double = 10) {
            self.php = php
            self.phpTimeoutSeconds = phpTimeoutSeconds
        }
    }

    public struct Listener: Sendable, Equatable {
        public let address: String
        public let certificateFile: String?
        public let privateKeyFile: String?
    }

    /// The installation's folder, absolute.
    public let root: String
    /// `app > webSocket > categories`, merged (key order: first declaration wins the place).
    public let categories: JSONObject
    /// The `webSocket.json` files merged, relative to the root, in merge order.
    public let metadataFiles: [String]
    /// The config files PHP evaluated (empty when PHP was not run).
    public let configFiles: [String]
    /// The PHP the generated commands run (`phpExecutablePath`, else the PHP found, else `php`).
    public let phpCommand: String
    /// The value for `espo.zeroMQ`.
    public let zeroMQ: String
    public let listener: Listener
    public let notes: [String]

    /// Reads the installation at `root`; a folder that is not one, or a setting that cannot be
    /// used, is one line.
    public static func read(root path: String, options: Options = Options()) throws(EspoConfigError) -> EspoInstallation {
        let root = try EspoRoot(path)
        var notes: [String] = []
        let (categories, categoryNotes, files) = try EspoCategories.read(root)
        if files.isEmpty { notes.append("no Resources/metadata/app/webSocket.json found under \(root.path): no categories declared") }
        notes += categoryNotes

        var settings = EspoSettings()
        var configFiles: [String] = []
        let php = options.php.flatMap { PHPConfigReader.locate($0) }
        if let php {
            let read = try PHPConfigReader.read(root: root.path, php: php, timeoutSeconds: options.phpTimeoutSeconds)
            settings = try EspoSettings(values: read.values)
            configFiles = read.files
            if configFiles.isEmpty { notes.append("no data/config.php in \(root.path): EspoCRM's defaults assumed") }
        } else {
            let why = options.php.map { "\($0) was not found" } ?? "PHP not run"
            notes.append("\(why): data/config.php and data/config-internal.php were not read; EspoCRM's defaults assumed")
        }
        let phpCommand = settings.phpExecutablePath ?? php ?? "php"
        if settings.phpExecutablePath == nil {
            notes.append("phpExecutablePath not set: the commands run \(phpCommand)")
        }
        if !configFiles.isEmpty { notes += Self.crmNotes(settings) }
        let (zeroMQ, zeroMQNotes) = try Self.zeroMQ(settings)
        let (listener, listenerNotes) = try Self.listener(settings, root: root.path)
        return EspoInstallation(root: root.path, categories: categories, metadataFiles: files, configFiles: configFiles,
                                phpCommand: phpCommand, zeroMQ: zeroMQ, listener: listener,
                                notes: notes + zeroMQNotes + listenerNotes)
    }

    /// The config as JSON, in the format `--config` files use (Docs/configuration.md).
    public var config: JSONValue {
        let php = Self.shellWord(phpCommand)
        var listenerObject: JSONObject = ["address": .string(listener.address)]
        if let cert = listener.certificateFile, let key = listener.privateKeyFile {
            listenerObject.set("tls", ["cert": .string(cert), "key": .string(key)])
        }
        return [
            "listeners": [.object(listenerObject)],
            "categories": .object(categories),
            "auth": ["verifyCommand": .string("\(php) command.php AuthTokenCheck :token"), "workingDirectory": .string(root)],
            "accessCheck": ["commandPrefix": .string("\(php) command.php"), "workingDirectory": .string(root)],
            "espo": ["zeroMQ": .string(zeroMQ)],
        ]
    }

    /// `config` as indented text ending in a newline, what `wamp-push espo-config` prints.
    public var configText: String { PrettyJSON.text(config) }

    // MARK: Derivations

    private static func crmNotes(_ s: EspoSettings) -> [String] {
        var notes: [String] = []
        if s.useWebSocket != true {
            notes.append("useWebSocket is off in the CRM: it sends nothing until it is turned on (Administration > Settings)")
        }
        if let messager = s.messager, messager != "ZeroMQ" {
            notes.append("webSocketMessager is \(messager), not ZeroMQ: the CRM will not hand messages to espo.zeroMQ")
        }
        return notes
    }

    /// `webSocketZeroMQSubscriberDsn`, with a wildcard bind (`*`, `0.0.0.0`, `::`) turned into
    /// loopback: ZeroMQ's NULL mechanism has no authentication, so only an explicit address opens it.
    private static func zeroMQ(_ s: EspoSettings) throws(EspoConfigError) -> (String, [String]) {
        let dsn = s.subscriberDsn ?? EspoSettings.defaultSubscriberDsn
        var notes: [String] = []
        if s.subscriberDsn == nil { notes.append("webSocketZeroMQSubscriberDsn not set: EspoCRM's default \(dsn)") }
        let endpoint: ZeroMQEndpoint
        do { endpoint = try ZeroMQEndpoint.parse(dsn) } catch {
            throw EspoConfigError("webSocketZeroMQSubscriberDsn in the CRM's config: \(error.description)")
        }
        guard case .tcp(let host, let port) = endpoint, ["*", "0.0.0.0", "::"].contains(host) else {
            return (endpoint.description, notes)
        }
        let safe = "tcp://127.0.0.1:\(port)"
        let submission = s.submissionDsn ?? EspoSettings.defaultSubmissionDsn
        notes.append("webSocketZeroMQSubscriberDsn \(dsn) binds every interface; espo.zeroMQ is \(safe) instead (ZeroMQ has no "
            + "authentication). The CRM sends to \(submission): if that is another host or container, set --espo-zeromq to an "
            + "address it reaches and firewall the port")
        return (safe, notes)
    }

    /// `websocket.php` listened on 0.0.0.0. With its own TLS, or when the browsers' URL names the
    /// port, browsers come straight to it, so we do the same; otherwise a web server proxies to
    /// it, and loopback is enough.
    private static func listener(_ s: EspoSettings, root: String) throws(EspoConfigError) -> (Listener, [String]) {
        let port = s.effectivePort
        var notes: [String] = []
        if s.port == nil { notes.append("webSocketPort not set: EspoCRM's default \(port)") }
        guard s.useSecureServer else {
            if let direct = s.browsersConnectDirectly, direct.direct {
                notes.append("listening on 0.0.0.0:\(port) as websocket.php did: \(direct.why), so browsers connect to it directly")
                return (Listener(address: "0.0.0.0:\(port)", certificateFile: nil, privateKeyFile: nil), notes)
            }
            let why = s.browsersConnectDirectly.map { $0.why + "; " } ?? ""
            notes.append("listening on 127.0.0.1:\(port) for the web server in front (\(why)websocket.php listened on 0.0.0.0:\(port)); "
                + "if browsers connect to the port directly, add --listen 0.0.0.0:\(port)")
            return (Listener(address: "127.0.0.1:\(port)", certificateFile: nil, privateKeyFile: nil), notes)
        }
        guard let cert = s.certificateFile else {
            throw EspoConfigError("webSocketUseSecureServer is on in the CRM's config but webSocketSslCertificateFile is not set")
        }
        let certPath = absolute(cert, under: root)
        let keyPath = s.privateKeyFile.map { absolute($0, under: root) } ?? certPath
        if s.privateKeyFile == nil {
            notes.append("webSocketSslCertificateLocalPrivateKey not set: the key is read from \(certPath), as PHP's local_cert allows")
        }
        if s.passphraseSet {
            notes.append("webSocketSslCertificatePassphrase is set: wamp-push reads unencrypted keys only; decrypt the key "
                + "(openssl pkey -in KEY -out PLAIN) and name PLAIN in the tls.key of the config")
        }
        return (Listener(address: "0.0.0.0:\(port)", certificateFile: certPath, privateKeyFile: keyPath), notes)
    }

    /// EspoCRM runs from its root, so a relative path in its config is relative to that.
    private static func absolute(_ path: String, under root: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: root).appendingPathComponent(path).standardizedFileURL.path
    }

    /// The path as one `/bin/sh` word: as it is when it holds only safe characters, else quoted.
    static func shellWord(_ s: String) -> String {
        let safe = !s.isEmpty && s.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/._+-=,@%".unicodeScalars.contains($0))
        }
        return safe ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
