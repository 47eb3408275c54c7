import ArgumentParser

@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wamp-push-bench",
        abstract: "Load generator for wamp-push and its peers: fan-out, latency, idle, handshake, webhook and soak scenarios.",
        subcommands: [FanoutCommand.self, LatencyCommand.self, IdleCommand.self, HandshakeCommand.self,
                      WebhookCommand.self, SoakCommand.self, ReadRateCommand.self, SummarizeCommand.self])
}
