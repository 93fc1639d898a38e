// swift-tools-version:6.1
// Sharewire: device sharing over a gRPC-style binary RPC protocol.
// Folder layout mirrors the layers; see docs/ARCHITECTURE.md.
import PackageDescription

let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Sharewire",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SharewireWire", targets: ["SharewireWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
    ],
    targets: [
        // Frames: header, types, encoder and decoder state machines. Pure.
        .target(
            name: "SharewireWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "SharewireWireTests",
            dependencies: ["SharewireWire"],
            swiftSettings: swift6
        ),
    ]
)
