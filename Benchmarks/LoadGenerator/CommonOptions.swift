import ArgumentParser
import LoadGeneratorCore

/// Options every scenario takes: where the server is, who we are, how to report.
struct CommonOptions: ParsableArguments {
    @Option(help: "WebSocket URL (ws://HOST:PORT[/wss]).")
    var url = "ws://127.0.0.1:8080/wss"

    @Option(help: "WebSocket URL used with --tls (wss://HOST:PORT[/wss]).")
    var tlsURL: String?

    @Flag(help: "Connect subscribers over TLS (--tls-url, or --url if it is already wss://).")
    var tls = false

    @Option(help: "HTTP base URL for POST /internal/publish and the webhook.")
    var publishURL = "http://127.0.0.1:8080"

    @Option(help: "Token for the upgrade's authToken parameter.")
    var token = ""

    @Option(help: "User id the token belongs to.")
    var user = "bench"

    @Option(help: "Topic to subscribe and publish to (a declared category).")
    var topic = "newNotification"

    @Option(help: "Secret for Authorization: Bearer on publishes (the server's publishSecret).")
    var publishSecret: String?

    @Option(help: "Server process id: its CPU seconds and RSS are read from /proc.")
    var serverPID: Int32?

    @Option(help: "A second node of a cluster (ws://HOST:PORT[/wss]): every other worker thread's subscribers connect there.")
    var alsoURL: String?

    @Option(help: "The second node's process id: its CPU seconds count with --server-pid's.")
    var alsoServerPID: Int32?

    @Option(help: "Worker threads, each with its own epoll loop.")
    var threads = 1

    @Option(help: "Spread connections over source addresses 127.0.0.1 ... 127.0.0.K.")
    var sources = 1

    @Option(help: "Label added to the JSON line (used by Benchmarks/run.sh to group runs).")
    var label: String?

    @Flag(help: "Print one JSON object per scenario instead of a table.")
    var json = false

    func target() throws -> BenchTarget {
        let wsText: String
        if tls {
            if let tlsURL { wsText = tlsURL } else if url.lowercased().hasPrefix("wss://") { wsText = url } else {
                throw ValidationError("--tls needs --tls-url wss://HOST:PORT (or a wss:// --url)")
            }
        } else {
            wsText = url
        }
        do {
            var target = BenchTarget(url: try BenchURL(wsText), publishURL: try BenchURL(publishURL), token: token, user: user, topic: topic,
                                     publishSecret: publishSecret, serverPID: serverPID, threads: threads, sources: sources)
            if let alsoURL { target.alsoURL = try BenchURL(alsoURL) }
            target.alsoServerPID = alsoServerPID
            return target
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Prints the report as asked; exits non-zero when the run itself failed.
    func emit(_ report: ScenarioReport) throws {
        var report = report
        if let label { report.add("label", label) }
        print(json ? report.jsonLine : report.table)
        if report["error"] != nil { throw ExitCode(2) }
    }
}

/// Runs a scenario, turning its error into one line on stderr.
func runScenario(_ body: () throws(BenchError) -> ScenarioReport) throws -> ScenarioReport {
    do { return try body() } catch {
        FileHandleOutput.standardError("wamp-push-bench: \(error.description)")
        throw ExitCode.failure
    }
}
