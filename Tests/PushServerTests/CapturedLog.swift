import Foundation
import Logging

/// A log handler that keeps every event (level, message, metadata as strings) for a test to read.
final class CapturedLog: LogHandler, @unchecked Sendable { // `stored` only under `lock`
    struct Entry { let level: Logger.Level; let message: String; let metadata: [String: String] }
    private let lock = NSLock()
    private var stored: [Entry] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var entries: [Entry] { lock.lock(); defer { lock.unlock() }; return stored }
    var events: [(level: Logger.Level, message: String)] { entries.map { ($0.level, $0.message) } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let flat = (event.metadata ?? [:]).mapValues { "\($0)" }
        lock.lock()
        stored.append(Entry(level: event.level, message: event.message.description, metadata: flat))
        lock.unlock()
    }
}
