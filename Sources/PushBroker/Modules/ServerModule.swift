import Logging
import PushConfig
import PushHTTP
import PushObservability
import PushStore

/// A capability the server can switch on as a whole (the WhatsApp module; next the ZeroMQ
/// ingress and the cluster bus). A module is built from a `ModuleContext` (its config section,
/// the store, the publisher, the metrics it registers, the log), adds its routes with the access
/// each needs, and starts and stops its services when the server does. It publishes only
/// through `ModuleContext.publisher`, and depends on PushBroker and below, never on another module.
package protocol ServerModule: AnyObject, Sendable {
    /// For log lines: `whatsapp`, `espo-zeromq`, ...
    var name: String { get }
    /// Called once while the router is built, before any listener is bound.
    func registerRoutes(_ routes: Router.Builder)
    /// Starts threads, sockets and timers; called after the listeners are bound.
    func start() throws(StartupError)
    /// Stops what `start` started; called before sessions are closed and the store is closed.
    func stop()
    /// Warnings to log once at start (a config that works but probably is not what was meant).
    func startupWarnings() -> [String]
}

extension ServerModule {
    package func start() throws(StartupError) {}
    package func stop() {}
    package func startupWarnings() -> [String] { [] }
}

/// What a module is built from. Everything in it is shared and thread-safe.
package struct ModuleContext: Sendable {
    package let config: ServerConfig
    package let store: StoreService
    package let publisher: Publisher
    package let metrics: ServerMetrics
    package let log: Logger

    package init(config: ServerConfig, store: StoreService, publisher: Publisher, metrics: ServerMetrics, log: Logger) {
        self.config = config
        self.store = store
        self.publisher = publisher
        self.metrics = metrics
        self.log = log
    }
}
