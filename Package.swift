// swift-tools-version:6.0
import PackageDescription

// One module per responsibility; see ../shared/ARCHITECTURE.md and README.md.
let package = Package(
    name: "parley",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // Value types, permissions, plan rules, errors. No I/O.
        .target(name: "Domain"),
        // Chinese-capable tokenizer, query builder and highlighter. Pure Swift, no I/O.
        .target(name: "Search"),
        // libpq, used only by the migrator: PostgresNIO cannot send a multi-statement script.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // PostgreSQL: pool, per-request tenant scope (RLS), repositories, migrator.
        .target(
            name: "Store",
            dependencies: [
                "Domain", "Search", "CLibPQ",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                // NotificationHub runs as a service (already a dependency of PostgresNIO).
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // HTTP: routes, authentication, problem+json error mapping, limits.
        .target(
            name: "API",
            dependencies: [
                // Export: CSVField, for the statistics' CSV (formula-safe like the exports').
                "Domain", "Search", "Store", "ObjectStorage", "Export",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                // TOTP for two-step sign-in (RFC 6238).
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                // Body-stream errors of a client that went away, told apart from our own.
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // libcurl, for object storage (SigV4 signed by libcurl) and fetching images to embed.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // Where export files go: S3-compatible over libcurl, or a local folder (file://).
        .target(
            name: "ObjectStorage",
            dependencies: [
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libxlsxwriter (constant-memory streaming xlsx) and cairo + pango (PDF with CJK fonts).
        .systemLibrary(name: "CXLSXWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        .systemLibrary(name: "CPangoCairo", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
        // Streaming renderers: CSV, XLSX, PDF, TXT. Rows in, a file out; no database.
        .target(name: "Export", dependencies: ["Domain", "CXLSXWriter", "CPangoCairo"]),
        // Background jobs; a long-running service with graceful shutdown.
        .target(
            name: "Worker",
            dependencies: [
                "Domain", "Store", "Export", "ObjectStorage",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The one binary: serve | worker | migrate | dev | seed.
        .executableTarget(
            name: "parley",
            dependencies: [
                "Domain", "Search", "Store", "API", "Worker", "Export", "ObjectStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Real-PostgreSQL test harness: a migrated template database, one copy per suite.
        .target(
            name: "TestSupport",
            dependencies: [
                "Store",
                "Domain",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "DomainTests", dependencies: ["Domain"]),
        .testTarget(name: "SearchTests", dependencies: ["Search"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Domain"]),
        .testTarget(name: "ObjectStorageTests", dependencies: ["ObjectStorage", "CCurl"]),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "Domain", "TestSupport", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "Worker", "Store", "Domain", "TestSupport", "ObjectStorage", "Export",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Store", "Domain", "TestSupport", "Worker", "Export", "ObjectStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
