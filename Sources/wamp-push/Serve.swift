import ArgumentParser
import Dispatch
import Foundation
import Logging
import PushEspo
import PushServer
import Synchronization

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the push server.")

    @OptionGroup var options: ServerOptions

    @Flag(name: .long, help: "On first start with an empty token table, create a token for user admin and print it (make run does this).")
    var devToken = false

    @Option(name: .long, help: "Serve this EspoCRM installation as its websocket.php did (the espo-config result; --config and flags still override).")
    var espoRoot: String?

    func run() throws {
        let config = try options.resolve(base: try espoRoot.map { try EspoConfigCommand.derive(root: $0, php: "php").config })
        let log = Logging.make(level: config.logLevel, queueBytes: config.limits.logQueueBytes)
        let server: Server
        do { server = try Server(config: config, log: log) } catch {
            FileHandle.standardError.write("wamp-push: \(error.description)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        do { try server.start() } catch {
            FileHandle.standardError.write("wamp-push: \(error.description)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        for (url, _) in server.baseURLs { print("wamp-push listening: \(url)/healthz") }
        if devToken { try DevelopmentToken.printIfCreated(server) }
        SignalWatcher.onTerminate {
            log.notice("shutting down")
            server.stop()
            Foundation.exit(0)
        }
        dispatchMain()
    }
}

/// Installs SIGINT/SIGTERM handlers: the first runs `body`, a second exits at once.
enum SignalWatcher {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func onTerminate(_ body: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "wamp-push.signals")
        let fired = ManagedFlag()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if fired.testAndSet() { Foundation.exit(1) }
                DispatchQueue.global().async { body() }
            }
            source.resume()
            sources.append(source)
        }
    }
}

/// Set by the first termination signal; the signal queue and the shutdown read it under the mutex.
final class ManagedFlag: Sendable {
    private let value = Mutex(false)
    /// Returns the old value and sets the flag.
    func testAndSet() -> Bool {
        value.withLock { value in
            let old = value
            value = true
            return old
        }
    }
}
