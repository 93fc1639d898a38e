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
        .library(name: "SharingDomain", targets: ["SharingDomain"]),
        .library(name: "SharingStore", targets: ["SharingStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
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
        // The model and rules as pure functions, plus the writer actor and snapshots.
        // Deliberately free of NIO, GRDB and C: see docs/DOMAIN.md.
        .target(
            name: "SharingDomain",
            dependencies: [.product(name: "HashTreeCollections", package: "swift-collections")],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "SharingDomainTests",
            dependencies: ["SharingDomain"],
            swiftSettings: swift6
        ),
        // Persistence: embedded SQLite through GRDB (WAL, synchronous=FULL).
        .target(
            name: "SharingStore",
            dependencies: ["SharingDomain", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "SharingStoreTests",
            dependencies: ["SharingStore", "SharingDomain"],
            swiftSettings: swift6
        ),
    ]
)
