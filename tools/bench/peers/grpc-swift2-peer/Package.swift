// swift-tools-version:6.1
// The grpc-swift-2 peer of tools/bench/compare: a unary Echo and a Check that
// does Sharewire's Check work, served by grpc-swift-2 over HTTP/2
// (grpc-swift-nio-transport). Outside the main package: neither the main build
// nor CI compiles it. `tools/bench/compare` builds it with -c release.
import PackageDescription

let package = Package(
    name: "GRPCSwift2Peer",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "GRPCSwift2Peer",
            dependencies: [
                "SharingDomain",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Sharewire's own domain module (a symlink to Sources/SharingDomain), so
        // the peer's Check runs exactly the same lookups on the same state type.
        .target(
            name: "SharingDomain",
            dependencies: [.product(name: "HashTreeCollections", package: "swift-collections")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
