// swift-tools-version:6.1
// Sharewire: device sharing over a gRPC-style binary RPC protocol.
// Folder layout mirrors the layers; see docs/ARCHITECTURE.md.
import PackageDescription

let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

// Every product and target is declared once, in a named group, and the
// Package at the end lists the groups: nothing is changed after it is declared.

// The core layers: wire, messages, RPC, domain, stores, server, client, CLI.
let coreProducts: [Product] = [
    .library(name: "SharewireWire", targets: ["SharewireWire"]),
    .library(name: "SharewireMessages", targets: ["SharewireMessages"]),
    .library(name: "SharewireRPC", targets: ["SharewireRPC"]),
    .library(name: "SharingDomain", targets: ["SharingDomain"]),
    .library(name: "SharingStore", targets: ["SharingStore"]),
    .library(name: "SharingPostgres", targets: ["SharingPostgres"]),
    .library(name: "SharewireServer", targets: ["SharewireServer"]),
    .executable(name: "sharewired", targets: ["sharewired"]),
    .executable(name: "sharewire-bench", targets: ["sharewire-bench"]),
    .library(name: "SharewireClient", targets: ["SharewireClient"]),
    .executable(name: "sharewire-example", targets: ["sharewire-example"]),
    .executable(name: "sharewire", targets: ["sharewire"]),
    // For the fuzz targets in tools/fuzz (a separate package).
    .library(name: "SharewireCLICore", targets: ["SharewireCLICore"]),
]

let coreTargets: [Target] = [
    // Frames: header, types, encoder and decoder state machines. Pure.
    .target(
        name: "SharewireWire",
        dependencies: [.product(name: "NIOCore", package: "swift-nio")],
        swiftSettings: swift6
    ),
    // NIO transport: connections, calls, deadlines, keepalive, drain, limits.
    .target(
        name: "SharewireRPC",
        dependencies: [
            "SharewireWire",
            "SharewireMessages",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swift6
    ),
    // The sharing services wired to the domain: authentication, error
    // mapping, one file per service. See docs/SERVER.md.
    .target(
        name: "SharewireServer",
        dependencies: [
            "SharewireRPC",
            "SharewireMessages",
            "SharingDomain",
            "SharingStore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            "SharewireOpsHTTP",
        ],
        swiftSettings: swift6
    ),
    // The operations HTTP endpoint (/metrics, /healthz, /readyz) with its
    // connection cap and timeouts: sharewired's and sharewire-mailer's.
    .target(
        name: "SharewireOpsHTTP",
        dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharewireServerTests",
        dependencies: [
            "SharewireServer", "SharewireRPC", "SharewireMessages", "SharewireWire", "SharingDomain", "SharingStore",
            "SharingPostgres", "SharewireTestSupport", "SharewireOpsHTTP",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swift6
    ),
    .executableTarget(
        name: "sharewired",
        dependencies: [
            "SharewireRPC",
            "SharewireServer",
            "SharewireOpsHTTP",
            "SharingDomain",
            "SharingStore",
            "SharingPostgres",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swift6
    ),
    .executableTarget(
        name: "sharewire-bench",
        dependencies: [
            // Seeds with the load library's bounded parallel map.
            "SharewireLoad",
            "SharewireRPC",
            "SharewireMessages",
            "SharewireServer",
            // --snapshot-size builds states in process.
            "SharingDomain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharewireRPCTests",
        dependencies: [
            "SharewireRPC", "SharewireMessages", "SharewireWire", "SharewireTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharewireWireTests",
        dependencies: ["SharewireWire", .product(name: "NIOCore", package: "swift-nio")],
        swiftSettings: swift6
    ),

    // Messages: protobuf-c runtime, generated C code, Swift value types.
    .systemLibrary(
        name: "CProtobufC",
        path: "Sources/CProtobufC",
        pkgConfig: "libprotobuf-c",
        providers: [.apt(["libprotobuf-c-dev"])]
    ),
    // Generated by tools/generate-protos.sh; nothing hand-written.
    .target(
        name: "CSharewireProto",
        dependencies: ["CProtobufC"],
        cSettings: [.define("NDEBUG", .when(configuration: .release))]
    ),
    // Swift value types <-> protobuf-c. The only module that imports C.
    .target(
        name: "SharewireMessages",
        dependencies: [
            "CSharewireProto",
            "CProtobufC",
            .product(name: "NIOCore", package: "swift-nio"),
        ],
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharewireMessagesTests",
        dependencies: [
            "SharewireMessages", "SharewireTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
        ],
        resources: [.copy("Golden")],
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
        dependencies: [
            "SharingDomain", "SharingSQL", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ],
        swiftSettings: swift6
    ),
    // The SQL both stores run and the decoding of its rows, written once. Pure.
    .target(
        name: "SharingSQL",
        dependencies: ["SharingDomain"],
        swiftSettings: swift6
    ),
    // Persistence: PostgreSQL through postgres-nio (one connection pool).
    .target(
        name: "SharingPostgres",
        dependencies: [
            "SharingDomain",
            "SharingSQL",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharingStoreTests",
        dependencies: [
            "SharingStore", "SharingPostgres", "SharingSQL", "SharingDomain", "SharewireTestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ],
        swiftSettings: swift6
    ),

    // The typed client: plain Swift value types over SharewireRPC, retries,
    // read-your-writes. See docs/CLIENT.md.
    .target(
        name: "SharewireClient",
        dependencies: ["SharewireRPC", "SharewireMessages"],
        swiftSettings: swift6
    ),
    // Service-to-service Check and a bulk share against a running sharewired.
    .executableTarget(
        name: "sharewire-example",
        dependencies: ["SharewireClient"],
        swiftSettings: swift6
    ),
    // The `sharewire` CLI: thin commands over SharewireClient (docs/CLI.md).
    .executableTarget(
        name: "sharewire",
        dependencies: [
            "SharewireClient", "SharewireCLICore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: swift6
    ),
    // The CLI's pure logic: config file, settings precedence, tables,
    // argument parsing, exit codes. Unit-tested without a server.
    .target(
        name: "SharewireCLICore",
        dependencies: ["SharewireClient"],
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharewireCLITests",
        dependencies: ["SharewireCLICore", "SharewireClient", "SharewireTestSupport"],
        swiftSettings: swift6
    ),
    // Test helpers shared by test targets: child processes, the test server harness (in-process and
    // sharewired child), temp dirs, certificates.
    .target(
        name: "SharewireTestSupport",
        dependencies: [
            "SharewireWire", "SharewireMessages", "SharewireRPC", "SharingPostgres",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        path: "Tests/SharewireTestSupport",
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharewireClientTests",
        dependencies: [
            "SharewireClient", "SharewireTestSupport", "SharewireWire", "SharewireMessages",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swift6
    ),
]

// sharewire-load: the load-testing tool (docs/LOAD.md). Its logic lives in the
// SharewireLoad library so the scheduler, recorder and reports are unit-tested.
let loadProducts: [Product] = [
    .library(name: "SharewireLoad", targets: ["SharewireLoad"]),
    .executable(name: "sharewire-load", targets: ["sharewire-load"]),
]
let loadTargets: [Target] = [
    .target(
        name: "SharewireLoad",
        dependencies: [
            "SharewireRPC",
            "SharewireMessages",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swift6
    ),
    .executableTarget(
        name: "sharewire-load",
        dependencies: [
            "SharewireLoad",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharewireLoadTests",
        dependencies: [
            "SharewireLoad", "SharewireRPC", "SharewireMessages", "SharewireTestSupport",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swift6
    ),
]

// Notification e-mail: the SMTP client (a pure state machine plus thin
// SwiftNIO glue, STARTTLS through swift-nio-ssl) and `sharewire-mailer`,
// which follows the outbox and sends each notification (docs/MAILER.md).
let mailProducts: [Product] = [
    .library(name: "SharewireSMTP", targets: ["SharewireSMTP"]),
    .executable(name: "sharewire-mailer", targets: ["sharewire-mailer"]),
]
let mailTargets: [Target] = [
    .target(
        name: "SharewireSMTP",
        dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
        ],
        swiftSettings: swift6
    ),
    // The mailer's logic (rendering, retry schedule, the follow-send-ack
    // loop), so it is tested without the executable.
    .target(
        name: "SharewireMailer",
        dependencies: [
            "SharewireSMTP", "SharewireClient",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ],
        swiftSettings: swift6
    ),
    .executableTarget(
        name: "sharewire-mailer",
        dependencies: [
            "SharewireMailer", "SharewireSMTP", "SharewireClient", "SharewireOpsHTTP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ],
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharewireSMTPTests",
        dependencies: ["SharewireSMTP"],
        swiftSettings: swift6
    ),
    .testTarget(
        name: "SharewireMailerTests",
        dependencies: [
            "SharewireMailer", "SharewireSMTP", "SharewireClient", "SharewireTestSupport",
            // The server's templates, rendered as the server renders them, for the every-template test.
            "SharingDomain",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ],
        swiftSettings: swift6
    ),
]

let package = Package(
    name: "Sharewire",
    platforms: [.macOS(.v15)],
    products: coreProducts + loadProducts + mailProducts,
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    ],
    targets: coreTargets + loadTargets + mailTargets
)
