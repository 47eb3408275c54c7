import ArgumentParser
import LoadGeneratorCore

struct FanoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fanout",
        abstract: "N subscribers on one topic; publish as fast as the window allows; deliveries/s, loss, latency, server CPU.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Subscribers on the topic.") var subscribers = 1000
    @Option(help: "Size of each published JSON object in bytes (64 or 1024).") var payload = 64
    @Option(help: "Publish this many events.") var events: Int?
    @Option(help: "Publish for this many seconds.") var seconds: Double?
    @Option(help: "Events per subscriber published but not yet received, at most.") var window = 64
    @Option(help: "Keep-alive publish connections (several publishers, as several web workers of a CRM would be).")
    var publishers = 4
    @Option(help: "Publish requests in flight per connection (pipelining).") var depth = 8
    @Option(help: "Connections in their handshake at once while subscribing.") var connectConcurrency = 256
    @Option(help: "Publish through a ZeroMQ PUSH socket connected to this DSN (the server's espo.zeroMQ) instead of HTTP.")
    var zeromq: String?

    func run() throws {
        let target = try common.target()
        let options = FanoutOptions(subscribers: subscribers, payloadBytes: payload, events: events, seconds: seconds ?? (events == nil ? 5 : nil),
                                    window: window, publishers: publishers, pipelineDepth: depth, connectConcurrency: connectConcurrency,
                                    zeroMQ: zeromq)
        try common.emit(try runScenario { () throws(BenchError) in try FanoutScenario.run(target, options) })
    }
}

struct LatencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "latency",
        abstract: "N subscribers, a fixed publish rate: publish-to-deliver latency percentiles.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Subscribers on the topic.") var subscribers = 10_000
    @Option(help: "Events published per second.") var rate = 10.0
    @Option(help: "Publish for this many seconds.") var seconds = 10.0
    @Option(help: "Size of each published JSON object in bytes.") var payload = 64
    @Option(help: "Connections in their handshake at once while subscribing.") var connectConcurrency = 256

    func run() throws {
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        let target = try common.target()
        let options = FanoutOptions(subscribers: subscribers, payloadBytes: payload, seconds: seconds, rate: rate,
                                    window: 1_000_000, connectConcurrency: connectConcurrency, name: "latency")
        try common.emit(try runScenario { () throws(BenchError) in try FanoutScenario.run(target, options) })
    }
}

struct IdleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "idle",
        abstract: "Open, upgrade and subscribe N connections; server RSS per connection once it settles.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Connections to hold.") var connections = 1000
    @Option(help: "Connections in their handshake at once.") var connectConcurrency = 256
    @Option(help: "Longest wait for the server's RSS to settle, in seconds.") var settleSeconds = 10.0

    func run() throws {
        let target = try common.target()
        let options = IdleOptions(connections: connections, connectConcurrency: connectConcurrency, settleSeconds: settleSeconds)
        try common.emit(try runScenario { () throws(BenchError) in try IdleScenario.run(target, options) })
    }
}

struct HandshakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "handshake",
        abstract: "Connect, upgrade with the token, read WELCOME, reset, repeat: upgrades/s and per server CPU-second.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Measure for this many seconds.") var seconds = 5.0
    @Option(help: "Handshakes in progress at once.") var concurrency = 64

    func run() throws {
        let target = try common.target()
        let options = HandshakeOptions(seconds: seconds, concurrency: concurrency)
        try common.emit(try runScenario { () throws(BenchError) in try HandshakeScenario.run(target, options) })
    }
}

struct WebhookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhook",
        abstract: "POST wwebjs message webhooks on C keep-alive connections: committed (200) webhooks/s. Skipped on 404.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Measure for this many seconds.") var seconds = 5.0
    @Option(help: "Keep-alive connections, one request in flight each.") var concurrency = 16
    @Option(name: .customLong("header"), help: "Extra request header 'Name: value' (repeatable).") var headers: [String] = []

    func run() throws {
        let target = try common.target()
        let options = WebhookOptions(seconds: seconds, concurrency: concurrency, extraHeaders: headers)
        try common.emit(try runScenario { () throws(BenchError) in try WebhookScenario.run(target, options) })
    }
}

struct ReadRateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "readrate",
        abstract: "Self-test: an in-process frame blaster streams events; how many deliveries one load-generator core reads per CPU-second.")
    @Option(help: "Subscribers.") var connections = 1000
    @Option(help: "Events streamed to each.") var events = 5000
    @Option(help: "Payload size in bytes.") var payload = 64
    @Option(help: "Bytes per blaster write (small values mimic a server writing frame by frame).") var chunk = 65_536
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() throws {
        let options = ReadRateOptions(connections: connections, events: events, payloadBytes: payload, chunkBytes: chunk)
        let report = try runScenario { () throws(BenchError) in try ReadRateScenario.run(options) }
        print(json ? report.jsonLine : report.table)
        if report["error"] != nil { throw ExitCode(2) }
    }
}

struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "soak",
        abstract: "Slow readers (HTTP and WebSocket peers that never read) beside healthy subscribers: server RSS bound, no loss or reorder.")
    @OptionGroup var common: CommonOptions
    @Option(help: "HTTP peers that pipeline GET /healthz (and a 404) and never read.") var httpPeers = 1000
    @Option(help: "WebSocket peers that subscribe and never read.") var wsPeers = 1000
    @Option(help: "Healthy subscribers, every one checked for every event in order.") var subscribers = 5000
    @Option(help: "Events to publish, at --rate per second, each --payload bytes.") var events = 2000
    @Option var rate = 50.0
    @Option var payload = 1024
    @Option(help: "SO_RCVBUF of the slow peers, in bytes.") var slowReceiveBuffer = 4096
    @Option(help: "Longest watch of the slow peers from when they open (ends once the server holds none).") var holdSeconds = 150.0

    func run() throws {
        var target = try common.target()
        // The soak's topic is WhatsApp unless --topic names another.
        if target.topic == "newNotification" { target.topic = "WhatsApp" }
        var soak = SoakOptions()
        (soak.httpPeers, soak.webSocketPeers, soak.subscribers) = (httpPeers, wsPeers, subscribers)
        (soak.events, soak.rate, soak.payloadBytes) = (events, rate, payload)
        (soak.slowReceiveBufferBytes, soak.holdSeconds) = (slowReceiveBuffer, holdSeconds)
        try common.emit(try runScenario { () throws(BenchError) in try SoakScenario.run(target, soak) })
    }
}
