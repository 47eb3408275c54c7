import Synchronization

/// What became of one received message, as the wiring's handler reports it.
public enum ZeroMQOutcome: Sendable, Equatable {
    /// Handed to the publish path.
    case published
    /// Refused: `result` is the metric label (`malformed`, `no_topic`, `undeclared`, ...), `reason`
    /// the one-line explanation for the log.
    case dropped(result: String, reason: String)

    /// The metric label.
    public var result: String {
        switch self {
        case .published: return "published"
        case .dropped(let result, _): return result
        }
    }
}

/// Messages counted per result label. The labels come from a small fixed set in the wiring;
/// past `maxLabels` distinct ones, further labels are counted under `other`, so a handler that
/// put message text into labels could not grow the table. Thread-safe behind a `Mutex`.
final class OutcomeCounts: Sendable {
    static let maxLabels = 32
    static let overflowLabel = "other"
    private let counts = Mutex<[String: Int]>([:])

    /// Counts one message under `label` and returns the label it was counted under.
    @discardableResult
    func add(_ label: String) -> String {
        counts.withLock { counts -> String in
            let key = counts[label] != nil || counts.count < Self.maxLabels ? label : Self.overflowLabel
            counts[key, default: 0] += 1
            return key
        }
    }

    var snapshot: [String: Int] { counts.withLock { $0 } }
}
