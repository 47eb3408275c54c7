// swift-tools-version:6.0
import PackageDescription

// A benchmark peer: the same WAMP v1 subset as wamp-push, built the idiomatic Hummingbird 2 way,
// so one load generator can drive both servers. The main wamp-push package never depends on it.
let package = Package(
    name: "hummingbird-peer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hummingbird-peer", targets: ["hummingbird-peer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        .executableTarget(name: "hummingbird-peer", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
