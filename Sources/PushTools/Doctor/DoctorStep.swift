/// The outcome of one check of `wamp-push doctor`.
public struct DoctorStep: Sendable, Equatable {
    /// Which check, one of `DoctorStep.Name`'s raw values (e.g. "TCP connect").
    public var name: String
    /// True when the check passed.
    public var ok: Bool
    /// What was observed, one line.
    public var detail: String
    /// On failure: the likely cause and the fix (may span lines, e.g. an nginx block).
    public var hint: String?

    /// Creates a step outcome.
    public init(name: String, ok: Bool, detail: String, hint: String? = nil) {
        self.name = name
        self.ok = ok
        self.detail = detail
        self.hint = hint
    }

    /// The checks in the order a browser meets them; the report prints any not run as skipped.
    public enum Name: String, CaseIterable, Sendable {
        case connect = "TCP connect"
        case tls = "TLS"
        case upgrade = "HTTP upgrade"
        case subprotocol = "subprotocol wamp"
        case authentication = "authentication"
        case welcome = "WELCOME"
        case subscribe = "subscribe"
        case publish = "publish"
        case event = "EVENT received"
    }

    package static func passed(_ name: Name, _ detail: String) -> DoctorStep {
        DoctorStep(name: name.rawValue, ok: true, detail: detail)
    }

    package static func failed(_ name: Name, _ detail: String, hint: String?) -> DoctorStep {
        DoctorStep(name: name.rawValue, ok: false, detail: detail, hint: hint)
    }
}
