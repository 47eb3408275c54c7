import Logging
import PushObservability
import PushServer

enum Logging {
    /// The process logger: logfmt lines on stderr at `level`, at most `queueBytes` waiting.
    static func make(level: String, queueBytes: Int) -> Logger {
        LogOutput.standardError.setCapacity(queueBytes)
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, level: parsed) }
        return Logger(label: "wamp-push")
    }
}
