import Logging
import PushBroker
import PushConfig
import PushHTTP
import PushStore

/// The WhatsApp module: the upstream's webhook (parse, group commit, publish), the widget's REST
/// actions (through the upstream client), and the settings saved at run time. It plugs into the
/// server through `ServerModule` and publishes only through the publisher it is given.
package final class WhatsAppServerModule: ServerModule {
    package let name = "whatsapp"
    package let stats: WhatsAppStats
    package let committer: GroupCommitter
    package let upstream: UpstreamClient
    package let settings: UpstreamSettingsBox
    private let webhook: WebhookRoute
    private let actions: WhatsAppActionsRoute
    private let categories: Categories

    /// Reads the settings saved by `saveSettings` (they override the config's `whatsapp` section).
    package init(_ context: ModuleContext) throws(StartupError) {
        let config = context.config.whatsapp
        stats = WhatsAppStats(metrics: context.metrics)
        committer = GroupCommitter(store: context.store)
        var initial = UpstreamSettings(apiUrl: config.apiUrl ?? "", apiKey: config.apiKey ?? "", sessionId: config.sessionId)
        do {
            let saved = try context.store.sync { db in try SettingsStore(database: db).all() }
            if let v = saved["whatsapp.apiUrl"] { initial.apiUrl = v }
            if let v = saved["whatsapp.apiKey"] { initial.apiKey = v }
            if let v = saved["whatsapp.sessionId"] { initial.sessionId = v }
        } catch {
            throw StartupError("cannot read saved settings from \(context.config.database): \(error)")
        }
        settings = UpstreamSettingsBox(initial)
        let t = config.timeoutSeconds
        upstream = UpstreamClient(settings: settings, timeouts: UpstreamTimeouts(connect: min(3, t), request: t, sessionStart: 3 * t))
        categories = context.publisher.categories
        webhook = WebhookRoute(committer: committer, publisher: context.publisher, stats: stats, log: context.log)
        actions = WhatsAppActionsRoute(upstream: upstream, settings: settings, store: context.store, committer: committer,
                                       publisher: context.publisher, throttle: ChatThrottle(window: 5), stats: stats, log: context.log)
    }

    package func registerRoutes(_ routes: Router.Builder) {
        routes.add("POST", "/api/v1/WhatsApp/action/webhook", .webhookSender, webhook)
        for action in WhatsAppActionsRoute.userActions {
            routes.add(action.method, WhatsAppActionsRoute.prefix + action.name, .user, actions)
        }
        for action in WhatsAppActionsRoute.adminActions {
            routes.add(action.method, WhatsAppActionsRoute.prefix + action.name, .admin, actions)
        }
    }

    package func stop() { upstream.closeConnections() }

    /// Every event of this module goes to the `WhatsApp` category: a config whose `categories`
    /// replaced the defaults without it would refuse them all (each refusal is counted and logged).
    package func startupWarnings() -> [String] {
        categories.category(WhatsAppEventPayload.topic) == nil
            ? ["categories does not declare \"WhatsApp\": every WhatsApp event will be refused (wamp_push_publishes_refused_total)"]
            : []
    }
}
