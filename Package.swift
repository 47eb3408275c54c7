// swift-tools-version:6.0
import PackageDescription

// Targets follow the layers; a lower one never imports a higher one (Docs/architecture.md):
// COpenSSL/CSQLite/CSystem (C) <- PushCodec (pure) <- PushTransport (loops, sockets, TLS)
// <- PushStore (SQLite), PushClient (blocking clients) <- PushConfig (config values)
// <- PushObservability (counters, metrics, logging) <- PushHTTP (HTTP/WebSocket serving, router)
// <- PushBroker (WAMP, topics, fan-out, auth, commands, the publish bus and module seam)
// <- WhatsAppModule (a module: webhook, store writes, REST actions, upstream client),
//    PushEspo (a module: EspoCRM's ZeroMQ ingress over libzmq; espo-config),
//    PushCluster (our Redis client; the Redis bus and cluster module)
// <- PushServer (config loader, access policy, wiring) <- PushTools (doctor, fake upstream)
// <- wamp-push (CLI).
let package = Package(
    name: "wamp-push",
    products: [
        .executable(name: "wamp-push", targets: ["wamp-push"]),
        .executable(name: "wamp-push-bench", targets: ["wamp-push-bench"]),
        // For the fuzz package in Fuzz/ (it depends on this one by path and can only use products).
        .library(name: "PushCodec", targets: ["PushCodec"]),
        .library(name: "PushServer", targets: ["PushServer"]),
        .library(name: "WhatsAppModule", targets: ["WhatsAppModule"]),
        .library(name: "PushClient", targets: ["PushClient"]),
        .library(name: "PushConfig", targets: ["PushConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ",
                       providers: [.apt(["libzmq3-dev"])]),
        .target(name: "PushCodec", dependencies: ["COpenSSL"]),
        .target(name: "PushTransport", dependencies: ["COpenSSL", "CSystem", "PushCodec"]),
        .target(name: "PushStore", dependencies: ["CSQLite", "PushCodec"]),
        .target(name: "PushClient", dependencies: ["PushCodec", "PushTransport"]),
        // The values every layer reads; ConfigLoader (PushServer) fills them.
        .target(name: "PushConfig", dependencies: ["PushTransport"]),
        .target(name: "PushObservability", dependencies: [
            "PushTransport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "PushHTTP", dependencies: [
            "PushCodec", "PushTransport", "PushConfig", "PushObservability",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "PushBroker", dependencies: [
            "PushCodec", "PushTransport", "PushStore", "PushConfig", "PushObservability", "PushHTTP",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "WhatsAppModule", dependencies: [
            "PushCodec", "PushTransport", "PushStore", "PushClient", "PushConfig", "PushObservability", "PushHTTP", "PushBroker",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // EspoCRM: the ZeroMQ PULL ingress (a module) and espo-config (reading a CRM root).
        .target(name: "PushEspo", dependencies: [
            "CZeroMQ", "PushCodec", "PushConfig", "PushObservability", "PushHTTP", "PushBroker",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Several nodes sharing publishes through Redis: our own Redis client on our transport.
        .target(name: "PushCluster", dependencies: [
            "PushCodec", "PushTransport", "PushStore", "PushConfig", "PushObservability", "PushHTTP", "PushBroker",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "PushServer", dependencies: [
            "PushCodec", "PushTransport", "PushStore", "PushClient", "PushConfig", "PushObservability", "PushHTTP",
            "PushBroker", "WhatsAppModule", "PushEspo", "PushCluster",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "PushTools", dependencies: [
            "PushCodec", "PushTransport", "PushClient", "PushConfig", "PushServer",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "wamp-push", dependencies: [
            "PushServer", "PushTools", "PushConfig", "PushObservability", "PushClient", "PushEspo", "CSystem",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The load generator of `make bench` (Benchmarks/): its own epoll loops and frame parser.
        .target(name: "LoadGeneratorCore", dependencies: ["COpenSSL", "CSystem", "CZeroMQ", "PushCodec", "PushTransport"],
                path: "Benchmarks/LoadGeneratorCore"),
        .executableTarget(name: "wamp-push-bench", dependencies: [
            "LoadGeneratorCore", "PushCodec", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Benchmarks/LoadGenerator"),
        // What every test target shares: the repository root, the one poll-with-deadline, a closed
        // port, temporary directories. Foundation only; no product code.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "PushCodecTests", dependencies: ["PushCodec", "TestSupport"]),
        .testTarget(name: "PushTransportTests", dependencies: ["PushTransport", "TestSupport"]),
        .testTarget(name: "PushStoreTests", dependencies: ["PushStore", "TestSupport"]),
        .testTarget(name: "PushEspoTests", dependencies: [
            "PushEspo", "PushCodec", "PushObservability", "TestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "PushClientTests", dependencies: ["PushClient", "PushCodec", "PushTransport", "TestSupport"]),
        // Starts its own redis-server processes (Debian's redis-server, installed by `make test`).
        .testTarget(name: "PushClusterTests", dependencies: [
            "PushCluster", "PushCodec", "PushTransport", "PushBroker", "PushStore", "PushConfig", "PushObservability",
            "TestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "PushServerTests", dependencies: [
            "PushServer", "PushTools", "PushBroker", "WhatsAppModule", "PushHTTP", "PushObservability", "PushConfig",
            "PushClient", "PushStore", "TestSupport", "CSystem",
        ]),
        .testTarget(name: "LoadGeneratorTests", dependencies: [
            "LoadGeneratorCore", "PushServer", "PushConfig", "PushStore", "PushCodec", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Drives the built `wamp-push` binary as a child process.
        .testTarget(name: "EndToEndTests", dependencies: [
            "PushClient", "PushCodec", "PushTransport", "PushStore", "PushTools", "wamp-push", "TestSupport",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
