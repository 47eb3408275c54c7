import PushCodec

/// Turns doctor steps into the text and JSON reports (pure: no I/O).
public enum DoctorReport {
    /// True only when every step ran and passed.
    public static func allPassed(_ steps: [DoctorStep]) -> Bool {
        steps.count == DoctorStep.Name.allCases.count && steps.allSatisfy(\.ok)
    }

    /// One line per step in browser order: `✓ name: detail`, `✗ name: detail` followed by the
    /// hint indented, `- name: skipped` for the steps after the first failure.
    public static func text(_ steps: [DoctorStep]) -> String {
        var lines: [String] = []
        for entry in ordered(steps) {
            guard let step = entry.step else {
                lines.append("- \(entry.name): skipped")
                continue
            }
            lines.append("\(step.ok ? "✓" : "✗") \(step.name): \(step.detail)")
            if !step.ok, let hint = step.hint {
                let hintLines = hint.split(separator: "\n", omittingEmptySubsequences: false)
                for (index, line) in hintLines.enumerated() {
                    lines.append((index == 0 ? "  → " : "    ") + line)
                }
            }
        }
        lines.append(allPassed(steps) ? "all checks passed" : "doctor found a problem")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"ok":bool,"steps":[{"name","ok","skipped","detail","hint"}]}` on one line.
    public static func json(_ steps: [DoctorStep]) -> String {
        let items: [JSONValue] = ordered(steps).map { entry in
            guard let step = entry.step else {
                return .object(["name": .string(entry.name), "ok": .bool(false), "skipped": .bool(true),
                                "detail": .string("skipped"), "hint": .null])
            }
            return .object(["name": .string(step.name), "ok": .bool(step.ok), "skipped": .bool(false),
                            "detail": .string(step.detail), "hint": step.hint.map(JSONValue.string) ?? .null])
        }
        return JSONValue.object(["ok": .bool(allPassed(steps)), "steps": .array(items)]).jsonString
    }

    /// The steps that ran, in order, then every later known step as skipped. A step that did not
    /// run but sits before one that did (e.g. the subprotocol when the token was refused before
    /// the upgrade) is shown skipped in its place.
    package static func ordered(_ steps: [DoctorStep]) -> [(name: String, step: DoctorStep?)] {
        var out: [(name: String, step: DoctorStep?)] = []
        var remaining = steps[...]
        for name in DoctorStep.Name.allCases.map(\.rawValue) {
            if let step = remaining.first(where: { $0.name == name }) {
                out.append((name, step))
                remaining.removeAll { $0.name == name }
            } else {
                out.append((name, nil))
            }
        }
        // Unknown names (none today) are kept rather than lost.
        out += remaining.map { ($0.name, $0) }
        return out
    }
}
