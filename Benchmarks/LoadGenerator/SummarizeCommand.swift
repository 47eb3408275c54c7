import ArgumentParser
import Glibc
import LoadGeneratorCore
import PushCodec

/// Medians and ranges of repeated runs, side by side per server, with the ratio of the first
/// server to the second (what `make bench` prints at the end).
struct SummarizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summarize",
        abstract: "Summarize JSON lines of repeated runs: median [min..max] per server and the ratio first/second.")

    @Option(name: .customLong("server"), help: "NAME=FILE with one JSON line per run (repeatable; the first is the numerator).")
    var servers: [String] = []

    @Flag(help: "Print a Markdown table (for Docs/benchmarks.md).")
    var markdown = false

    @Flag(help: "Also check the targets of issue 4 against the medians.")
    var targets = false

    /// The figures worth comparing for each scenario.
    static let metrics: [String: [String]] = [
        "fanout": ["deliveries_per_s", "deliveries_per_server_cpu_s", "latency_p50_ms", "latency_p99_ms", "lost", "reordered", "loadgen_cpu_s", "server_cpu_s"],
        "latency": ["latency_p50_ms", "latency_p99_ms", "latency_p999_ms", "latency_max_ms", "lost"],
        "idle": ["connections", "server_rss_per_connection_bytes", "loadgen_rss_per_connection_bytes"],
        "handshake": ["handshakes_per_s", "handshakes_per_server_cpu_s", "failed"],
        "webhook": ["ok_per_s", "ok_per_server_cpu_s", "latency_p99_ms"],
    ]

    func run() throws {
        guard !servers.isEmpty else { throw ValidationError("give at least one --server NAME=FILE") }
        var names: [String] = []
        var runs: [String: [String: [JSONObject]]] = [:] // server -> label -> runs
        var labels: [String] = []
        var scenarioOf: [String: String] = [:]
        for spec in servers {
            guard let eq = spec.firstIndex(of: "=") else { throw ValidationError("--server wants NAME=FILE, got '\(spec)'") }
            let name = String(spec[..<eq])
            names.append(name)
            for line in try Self.lines(of: String(spec[spec.index(after: eq)...])) {
                guard let object = (try? JSONParser.parse(line))?.objectValue else { continue }
                let scenario = object["scenario"]?.stringValue ?? "?"
                let label = object["label"]?.stringValue ?? scenario
                if scenarioOf[label] == nil { labels.append(label); scenarioOf[label] = scenario }
                runs[name, default: [:]][label, default: []].append(object)
            }
        }
        var rows: [[String]] = [["case", "metric"] + names.map { "\($0) median [min..max] (n)" } + (names.count > 1 ? ["ratio \(names[0])/\(names[1])"] : [])]
        for label in labels {
            let scenario = scenarioOf[label] ?? ""
            for metric in Self.metrics[scenario] ?? [] {
                var cells = [label, metric]
                var medians: [Double?] = []
                for name in names {
                    let all = runs[name]?[label] ?? []
                    if let skip = all.first?["skipped"]?.stringValue { cells.append("skipped: \(skip)"); medians.append(nil); continue }
                    if let error = all.first(where: { $0["error"] != nil })?["error"]?.stringValue, all.allSatisfy({ $0[metric] == nil }) {
                        cells.append("error: \(error.prefix(40))"); medians.append(nil); continue
                    }
                    // A failed run's figures are partial: it is counted, never averaged in.
                    let failed = all.filter { $0["error"] != nil }.count
                    let values = all.filter { $0["error"] == nil }.compactMap { $0[metric]?.doubleValue }.sorted()
                    guard !values.isEmpty else { cells.append("-"); medians.append(nil); continue }
                    let median = values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
                    medians.append(median)
                    cells.append("\(Self.format(median)) [\(Self.format(values[0]))..\(Self.format(values[values.count - 1]))] (\(values.count)"
                                 + (failed > 0 ? ", \(failed) failed)" : ")"))
                }
                if names.count > 1 {
                    if let a = medians[0], let b = medians[1], b != 0 { cells.append(Self.format(a / b, ratio: true) + "x") } else { cells.append("-") }
                }
                rows.append(cells)
            }
        }
        print(markdown ? Self.markdownTable(rows) : Self.textTable(rows))
        if targets {
            let median: (String, String, String) -> Double? = { server, label, metric in
                let values = (runs[server]?[label] ?? []).filter { $0["error"] == nil }.compactMap { $0[metric]?.doubleValue }.sorted()
                guard !values.isEmpty else { return nil }
                return values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
            }
            print("")
            let checks = TargetCheck.all(names: names, labels: labels, median: median)
            let table = [["target", "measured", "verdict"]] + checks.map { [$0.target, $0.measured, $0.verdict] }
            print(markdown ? Self.markdownTable(table) : Self.textTable(table))
        }
    }

    static func lines(of path: String) throws -> [String] {
        guard let file = fopen(path, "r") else { return [] }
        defer { fclose(file) }
        var out: [String] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&line, &capacity, file) > 0 {
            if let line { out.append(String(cString: line).trimmingSuffix("\n")) }
        }
        free(line)
        return out.filter { $0.hasPrefix("{") }
    }

    static func format(_ value: Double, ratio: Bool = false) -> String {
        if ratio || (abs(value) < 100 && value != value.rounded()) {
            let digits = abs(value) < 10 ? 2 : 1
            var scale = 1.0
            for _ in 0..<digits { scale *= 10 }
            let r = (value * scale).rounded() / scale
            return String(r)
        }
        let whole = Int64(value.rounded())
        var text = String(abs(whole))
        var grouped = ""
        while text.count > 3 {
            grouped = "," + text.suffix(3) + grouped
            text = String(text.dropLast(3))
        }
        return (whole < 0 ? "-" : "") + text + grouped
    }

    static func textTable(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in cell + String(repeating: " ", count: widths[i] - cell.count) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func markdownTable(_ rows: [[String]]) -> String {
        guard let head = rows.first else { return "" }
        var out = "| " + head.joined(separator: " | ") + " |\n|" + head.map { _ in " --- |" }.joined() + "\n"
        for row in rows.dropFirst() { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
