import Foundation
import Logging

/// swift-log handler writing one logfmt line per event to stderr:
/// `ts=2026-11-25T03:00:00.123Z level=info msg="listening" address=127.0.0.1:8443`.
/// Values that look like secrets never reach it: callers log token hashes' prefixes, never tokens.
public struct LogfmtLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private static let output = LogOutput.standardError

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?) {
        var line = "ts=\(Self.timestamp()) level=\(level) msg=\(Self.quote(message.description))"
        var merged = metadata
        if let explicit { merged.merge(explicit) { $1 } }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quote("\(merged[key]!)"))"
        }
        Self.output.write(line + "\n")
    }

    /// A bare value, or a quoted one when it is empty or holds a space, `=`, `"`, `\` or a
    /// control character. Control characters are escaped (`\n`, `\r`, `\t`, else `\u001b`):
    /// a CR or an escape sequence from a peer could otherwise forge a line or repaint a terminal.
    package static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains {
            $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || isControl($0)
        }
        guard needsQuotes else { return value }
        var out = "\""
        // Scalars, not Characters: "\r\n" is one Character and would slip past a per-Character match.
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// C0 controls and DEL.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || scalar.value == 0x7f }

    package static func timestamp() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        var t = time_t(tv.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int(tv.tv_usec / 1000))
    }
}

extension Logger.Level {
    public init?(name: String) { self.init(rawValue: name) }
}
