import Synchronization

/// Where the WhatsApp HTTP API lives and which session to drive. An empty string means "not set".
public struct UpstreamSettings: Sendable, Equatable {
    /// Base URL of wwebjs-api, e.g. `http://127.0.0.1:3000` (a path prefix for `BASE_PATH` is kept).
    public var apiUrl: String
    /// Sent as `x-api-key` on every request when not empty.
    public var apiKey: String
    /// The `:sessionId` of every route (letters, digits, `_` and `-`).
    public var sessionId: String

    public init(apiUrl: String = "", apiKey: String = "", sessionId: String = "espocrm-session") {
        self.apiUrl = apiUrl
        self.apiKey = apiKey
        self.sessionId = sessionId
    }
}

/// The current settings, shared between the REST actions (which change them through `saveSettings`)
/// and the upstream client (which reads them at the start of every call).
public final class UpstreamSettingsBox: Sendable {
    private let state: Mutex<UpstreamSettings>

    public init(_ settings: UpstreamSettings = UpstreamSettings()) {
        state = Mutex(settings)
    }

    /// A snapshot; one call uses one snapshot throughout.
    public var current: UpstreamSettings {
        state.withLock { $0 }
    }

    /// Replaces all settings at once.
    public func replace(_ settings: UpstreamSettings) {
        state.withLock { $0 = settings }
    }

    /// Changes some settings atomically (e.g. only apiUrl and apiKey).
    public func update(_ change: (inout UpstreamSettings) -> Void) {
        state.withLock { change(&$0) }
    }
}

/// How long the client waits, in seconds.
public struct UpstreamTimeouts: Sendable, Equatable {
    /// Opening the TCP (and TLS) connection.
    public var connect: Double
    /// One whole request: sending it and reading the complete answer.
    public var request: Double
    /// `session/start`, which in wwebjs-api returns only after Chromium has loaded WhatsApp Web.
    public var sessionStart: Double

    public init(connect: Double = 3, request: Double = 10, sessionStart: Double = 30) {
        self.connect = connect
        self.request = request
        self.sessionStart = sessionStart
    }
}
