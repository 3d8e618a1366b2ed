// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "ingest-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ingest", targets: ["IngestCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(name: "CSQLiteSettings", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "XMLParse", dependencies: ["CLibXML2"]),
        .target(name: "Entities", dependencies: ["XMLParse"]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // A ZIP archive written as a forward-only stream (downloads of exports).
        .target(name: "ZipStream", dependencies: ["CZlib"]),
        // OData's query options: parsed, checked and translated to parameterized SQL.
        .target(name: "OData"),
        // multipart/form-data read as a stream of events.
        .target(name: "FormData"),
        .target(
            name: "Store",
            dependencies: [
                "Entities",
                "XMLParse",
                "OData",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "CSQLiteSettings",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Ingest",
            dependencies: [
                "XMLParse", "Entities", "Store", "OData", "ZipStream", "FormData",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The OpenAPI document served at /v1/openapi.yaml, compiled in as bytes (`PackageResources.openapi_yaml`).
            resources: [.embedInCode("OpenAPI/openapi.yaml")]
        ),
        .executableTarget(
            name: "IngestCommand",
            dependencies: [
                "Ingest", "Store",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer targets: `scripts/fuzz.sh` builds them with `-sanitize=fuzzer,address -DFUZZING`; in an
        // ordinary build each replays the files named on its command line through the same entry point.
        .target(name: "CFuzzDriver", path: "Fuzz/CDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"], path: "Fuzz/Support"),
        .executableTarget(name: "FuzzSubmission", dependencies: ["FuzzSupport", "XMLParse", "Entities"], path: "Fuzz/Submission"),
        .executableTarget(name: "FuzzXForm", dependencies: ["FuzzSupport", "XMLParse", "Entities"], path: "Fuzz/XForm"),
        .executableTarget(name: "FuzzMultipart", dependencies: ["FuzzSupport", "FormData"], path: "Fuzz/Multipart"),
        .executableTarget(name: "FuzzODataFilter", dependencies: ["FuzzSupport", "OData", "CSQLiteSettings"], path: "Fuzz/ODataFilter"),
        .executableTarget(name: "FuzzEntityEngine", dependencies: ["FuzzSupport", "Entities"], path: "Fuzz/EntityEngine"),
        .testTarget(name: "XMLParseTests", dependencies: ["XMLParse", "EntityScenarios"]),
        // The scenario table both the rule tests and the HTTP tests run.
        .target(name: "EntityScenarios", dependencies: ["Entities"], path: "Tests/EntityScenarios"),
        .testTarget(name: "EntitiesTests", dependencies: ["Entities", "EntityScenarios"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "ODataTests", dependencies: ["OData"]),
        .testTarget(name: "ZipStreamTests", dependencies: ["ZipStream"]),
        .testTarget(name: "FormDataTests", dependencies: ["FormData"]),
        .testTarget(
            name: "IngestTests",
            dependencies: [
                "Ingest", "Store", "Entities", "EntityScenarios",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
    ]
)
