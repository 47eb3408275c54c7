// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the parsers (Docs/fuzzing.md). A package of its own so the root build
// (`make test`) never compiles them: they only link with `-sanitize=fuzzer`, which supplies
// `LLVMFuzzerRunDriver`. Build and run them with `make fuzz` (scripts/fuzz.sh).
let package = Package(
    name: "wamp-push-fuzz",
    dependencies: [.package(name: "wamp-push", path: "..")],
    targets: [
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        fuzzTarget("FuzzHTTPRequest", "PushCodec"),
        fuzzTarget("FuzzHTTPResponse", "PushCodec"),
        fuzzTarget("FuzzWebSocket", "PushCodec"),
        fuzzTarget("FuzzJSON", "PushCodec"),
        fuzzTarget("FuzzWAMP", "PushCodec"),
        fuzzTarget("FuzzRESP", "PushCodec"),
        fuzzTarget("FuzzWebhook", "WhatsAppModule", "PushCodec"),
        fuzzTarget("FuzzHandshake", "PushCodec"),
        fuzzTarget("FuzzClientFrames", "PushClient", "PushCodec"),
        fuzzTarget("FuzzConfig", "PushServer", "PushConfig", "PushCodec"),
    ],
    swiftLanguageModes: [.v6]
)

func fuzzTarget(_ name: String, _ products: String...) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + products.map {
        .product(name: $0, package: "wamp-push")
    })
}
