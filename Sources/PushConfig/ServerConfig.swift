import PushTransport

/// Everything `wamp-push serve` runs with. Built from defaults, then the config file, then
/// `WAMP_PUSH_*` variables, then flags (each layer overrides the one before); see
/// Docs/configuration.md for every key.
public struct ServerConfig: Sendable, Equatable {
    public struct Listener: Sendable, Equatable {
        public var address: String
        /// TLS certificate chain and key (PEM). `nil` = plain ws/http.
        public var tls: TLSFiles?
        public init(address: String, tls: TLSFiles? = nil) { self.address = address; self.tls = tls }
    }

    public struct TLSFiles: Sendable, Equatable {
        public var cert: String
        public var key: String
        /// True when no certificate was configured and the development one under data/tls is used.
        public var generated: Bool
        public init(cert: String, key: String, generated: Bool = false) {
            self.cert = cert
            self.key = key
            self.generated = generated
        }
    }

    public struct Limits: Sendable, Equatable {
        public var maxConnections = 100_000
        public var maxFrameBytes = 65_536
        public var maxMessageBytes = 1_048_576
        public var maxRequestBytes = 1_048_576
        public var handshakeTimeoutSeconds = 10.0
        public var pingIntervalSeconds = 60.0
        public var sendBufferBytes = 1_048_576
        /// Deadlines of the other connection phases (see `ConnectionPolicy`).
        public var idleTimeoutSeconds = 60.0
        public var requestTimeoutSeconds = 60.0
        public var closeTimeoutSeconds = 3.0
        public var drainTimeoutSeconds = 5.0
        public var lingerTimeoutSeconds = 2.0
        /// Output queued past the high watermark pauses reading a connection until it is back at the low one.
        public var outputHighWatermarkBytes = 262_144
        public var outputLowWatermarkBytes = 65_536
        /// Unsent bytes the kernel may hold for one connection (TCP_NOTSENT_LOWAT); the rest
        /// waits in our queue, where `sendBufferBytes` bounds it.
        public var socketUnsentBytes = 131_072
        /// Log text waiting for the writer thread; past it lines are dropped and counted.
        public var logQueueBytes = 1_048_576
        public var maxSubscriptionsPerSession = 256
        /// Descriptors kept back from connections for the store, command runners, upstream
        /// calls, TLS files and libdispatch (`ConnectionBudget`); at least 32 plus 4 per command
        /// that may run at once.
        public var reservedDescriptors = 128
        /// A topic URI (after CURIE expansion) and a PREFIX's URI are at most this many bytes.
        public var maxTopicBytes = 1024
        /// PREFIX entries one WAMP session may register.
        public var maxPrefixesPerSession = 64
        /// Per source address (IPv4 address, IPv6 /64); 0 = no limit. Loopback is exempt unless
        /// `addressLimitsExemptLoopback` is false (a same-host proxy sends every browser from 127.0.0.1).
        public var maxConnectionsPerAddress = 1_000
        public var addressLimitsExemptLoopback = true
        /// Open WAMP sessions one user may hold across all loops (0 = no cap); over it the upgrade gets 429.
        public var maxSessionsPerUser = 64
        /// Failed authentications a source address may make per minute (0 = no limit) before it gets 429.
        public var failedAuthPerAddressPerMinute = 120
        /// `auth.verifyCommand` runs a source address may cause per minute (0 = no limit).
        public var verifierSpawnsPerAddressPerMinute = 60
        /// The ZeroMQ ingress (Docs/espocrm.md): messages queued in libzmq (ZMQ_RCVHWM), which is
        /// also how many publications may wait for the loops before reading pauses.
        public var zeroMQReceiveHighWaterMark = 1_000
        /// A larger ZeroMQ message is dropped and counted (`oversize`); libzmq refuses ones above twice this.
        public var zeroMQMaxMessageBytes = 1_048_576
        public init() {}

        /// The transport's view of these limits.
        public var connectionPolicy: ConnectionPolicy {
            ConnectionPolicy(handshakeSeconds: handshakeTimeoutSeconds, busySeconds: requestTimeoutSeconds,
                             idleSeconds: idleTimeoutSeconds, closingSeconds: closeTimeoutSeconds,
                             drainingSeconds: drainTimeoutSeconds, lingeringSeconds: lingerTimeoutSeconds,
                             highWatermark: outputHighWatermarkBytes, lowWatermark: outputLowWatermarkBytes,
                             sendBufferLimit: sendBufferBytes, socketUnsentLimit: socketUnsentBytes)
        }
    }

    public struct Category: Sendable, Equatable {
        public var paramList: [String] = []
        public var accessCheckCommand: String?
        public var clientPublish = false
        public init(paramList: [String] = [], accessCheckCommand: String? = nil, clientPublish: Bool = false) {
            self.paramList = paramList
            self.accessCheckCommand = accessCheckCommand
            self.clientPublish = clientPublish
        }
    }

    public struct WhatsApp: Sendable, Equatable {
        public var apiUrl: String?
        public var apiKey: String?
        public var sessionId = "espocrm-session"
        public var webhookSecret: String?
        /// One upstream request, end to end (session start gets 3× this).
        public var timeoutSeconds = 10.0
        public init() {}
    }

    public struct Auth: Sendable, Equatable {
        /// EspoCRM's `AuthTokenCheck` contract: `:token` substituted, stdout is the user id.
        public var verifyCommand: String?
        public var workingDirectory: String?
        public var cacheSeconds = 60.0
        public var timeoutSeconds = 5.0
        /// User ids whose tokens count as admin (`saveSettings`); the backend secret always does.
        public var adminUsers: [String] = []
        /// Verifier processes at once (their own pool: a verifier flood cannot starve access checks).
        public var maxConcurrent = 8
        public init() {}
    }

    public struct AccessCheck: Sendable, Equatable {
        /// Prepended to a category's `accessCheckCommand` (EspoCRM: `php command.php`).
        public var commandPrefix: String?
        public var workingDirectory: String?
        public var timeoutSeconds = 5.0
        /// Access-check processes at once (a pool apart from the verifier's).
        public var maxConcurrent = 8
        /// Checks waiting for a process, in all (served round robin by user, Docs/security.md).
        public var maxQueued = 1_000
        /// Checks one user may have waiting; past it a subscribe is refused (close 1013).
        public var maxQueuedPerUser = 100
        /// Checks one session may have unanswered; past it a subscribe is refused (close 1013).
        public var maxPendingPerSession = 32
        public init() {}
    }

    /// EspoCRM: where its ZeroMQ sender's messages are received (Docs/espocrm.md). Off when nil.
    public struct Espo: Sendable, Equatable {
        /// `tcp://HOST:PORT` or `ipc://PATH` to bind a PULL socket at (EspoCRM's `webSocketZeroMQSubscriberDsn`).
        public var zeroMQ: String?
        public init() {}
    }

    public struct Diagnostics: Sendable, Equatable {
        public var echo = false
        public var console = false
        public init() {}
    }

    /// Several nodes behind a load balancer sharing publishes, tokens and revocations through
    /// Redis (Docs/cluster.md). Without `redis`, one node and no Redis.
    public struct Cluster: Sendable, Equatable {
        /// `redis://[[user]:password@]host[:port][/db]` or `rediss://…`; nil: no cluster.
        public var redis: String?
        /// Every Redis channel and key this cluster uses starts with it (several clusters, one Redis).
        public var channelPrefix = "wamp-push"
        /// This node's name in envelopes, logs and `/healthz`; nil: generated at start.
        public var nodeId: String?
        /// The node that runs the WhatsApp module (its SQLite store lives there); the others answer
        /// its routes with 421 naming it. Nil in a cluster: no node runs it.
        public var whatsAppNode: String?
        /// For `rediss://`: trust this PEM file (a private CA, or Redis's own certificate)
        /// instead of the system's store.
        public var tlsCAFile: String?
        public init() {}
    }

    public var listeners: [Listener]
    public var database = "data/wamp-push.sqlite"
    public var publishSecret: String?
    public var categories: [String: Category]
    public var whatsapp = WhatsApp()
    public var auth = Auth()
    public var accessCheck = AccessCheck()
    public var limits = Limits()
    public var logLevel = "info"
    public var diagnostics = Diagnostics()
    public var espo = Espo()
    public var cluster = Cluster()
    /// Where a generated development certificate goes when a TLS listener names none.
    public var dataDirectory = "data"

    public init() {
        listeners = [
            Listener(address: "127.0.0.1:8443", tls: TLSFiles(cert: "data/tls/cert.pem", key: "data/tls/key.pem", generated: true)),
            Listener(address: "127.0.0.1:8080"),
        ]
        categories = ServerConfig.defaultCategories
    }

    /// The unified WhatsApp topic's name, the one place it is spelled (`Categories.whatsApp`).
    public static let whatsAppCategory = "WhatsApp"

    /// `WhatsApp` plus EspoCRM's own categories (Docs/configuration.md, `categories`).
    public static let defaultCategories: [String: Category] = [
        whatsAppCategory: Category(paramList: ["chatId"]),
        "newNotification": Category(),
        "appParamsUpdate": Category(),
        "recordUpdate": Category(paramList: ["scope", "id"]),
        "streamUpdate": Category(paramList: ["scope", "id"]),
        "popupNotifications.event": Category(),
        "calendarUpdate": Category(),
    ]

    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}

/// A configuration problem, named by key: start-up prints this one line and exits non-zero.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public let key: String
    public let problem: String
    public init(_ key: String, _ problem: String) { self.key = key; self.problem = problem }
    /// One line whatever the input held: control characters from a key or value are escaped
    /// (`\n`, `\u{1B}`), so a stray newline or escape sequence cannot split or repaint it.
    public var description: String {
        Self.escapingControls(key.isEmpty ? "invalid config: \(problem)" : "invalid config: \(key): \(problem)")
    }

    static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20, 0x7F: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
