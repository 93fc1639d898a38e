// swift-tools-version:6.1
// libFuzzer targets for Sharewire's decoders (docs/PERFORMANCE.md, "Fuzzing").
// A separate package so the main build never compiles them: they only build
// with `-sanitize=fuzzer,address`, which tools/fuzz/fuzz passes.
import PackageDescription

let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "SharewireFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Sharewire", path: "../../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    ],
    targets: [
        // The libFuzzer driver glue shared by every target.
        .target(name: "FuzzSupport", swiftSettings: swift6),
        .executableTarget(
            name: "FuzzFrameDecoder",
            dependencies: [
                "FuzzSupport",
                .product(name: "SharewireWire", package: "Sharewire"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swift6
        ),
        .executableTarget(
            name: "FuzzMessages",
            dependencies: [
                "FuzzSupport",
                .product(name: "SharewireMessages", package: "Sharewire"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swift6
        ),
        .executableTarget(
            name: "FuzzServerConnection",
            dependencies: [
                "FuzzSupport",
                .product(name: "SharewireRPC", package: "Sharewire"),
                .product(name: "SharewireWire", package: "Sharewire"),
                .product(name: "SharewireMessages", package: "Sharewire"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        .executableTarget(
            name: "FuzzConfigFile",
            dependencies: [
                "FuzzSupport",
                .product(name: "SharewireCLICore", package: "Sharewire"),
            ],
            swiftSettings: swift6
        ),
    ]
)
