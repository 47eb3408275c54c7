import ArgumentParser
import CSystem
import Foundation
import PushCodec
import PushServer

@main
struct WampPush: ParsableCommand {
    static func main() {
        // Line-buffered stdout, so printed URLs and tokens show up at once even when piped.
        wp_line_buffer_stdout()
        CommandLineErrors.run(Array(CommandLine.arguments.dropFirst()))
    }

    static let configuration = CommandConfiguration(
        commandName: "wamp-push",
        abstract: "WAMP v1 push server: WebSocket (ws/wss) subscribers, token auth, WhatsApp webhooks.",
        version: ServerIdentity.version,
        subcommands: [Serve.self, TokenCommand.self, PublishCommand.self, SubscribeCommand.self, FakeUpstreamCommand.self, DoctorCommand.self,
                      EspoConfigCommand.self],
        defaultSubcommand: Serve.self
    )
}
