// swift-tools-version: 6.0
import PackageDescription

/// Release builds leave out the run-time exclusivity checks on the request path: there they cost about one
/// instruction in fifteen (measured with callgrind), for accesses the debug and sanitizer builds, which keep
/// the checks, exercise in every test.
let releaseWithoutExclusivityChecks: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

/// Release builds on Linux give each function a section of its own, so that the linker can place the ones
/// the server runs together (see `appLinkOrder`).
let releaseFunctionSections: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-function-sections"], .when(platforms: [.linux], configuration: .release))
]

/// Release builds on Linux link with lld, in the order of `Sources/AppMain/link-order.txt`: the functions the
/// server runs at start and per request, first and side by side. The kernel maps a program's pages 64 KiB at a
/// time around each page touched, so scattered functions cost far more memory than they fill; laid out
/// together they leave the idle server 1.2 to 1.8 MB smaller (in its image; in `./run.sh bench`).
/// `./run.sh link-order` regenerates the list; a function missing from it links all the same, elsewhere.
let appLinkOrder: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xlinker",
            "--symbol-ordering-file=\(Context.packageDirectory)/Sources/AppMain/link-order.txt",
            "-Xlinker", "--no-warn-symbol-ordering",
        ], .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "swift-devops-sample",
    products: [
        .executable(name: "app", targets: ["AppMain"])
    ],
    dependencies: [],
    targets: [
        // The few Linux calls Swift's Glibc module does not expose (epoll, accept4, CPU affinity), and a byte search.
        .target(name: "CSystem"),
        // A pthread-backed lock that ThreadSanitizer understands, and per-thread shards of locked state,
        // shared by the targets below.
        .target(name: "Locking", swiftSettings: releaseFunctionSections),
        // How text is escaped on its way in and out: URL percent-escapes, JSON string literals, the characters
        // that disguise a line. Shared by the HTTP server and the app.
        .target(name: "TextEscaping", swiftSettings: releaseFunctionSections),
        // A TCP client socket whose every wait (name resolution included) ends by a deadline, with TLS through
        // the system's OpenSSL: for the PostgreSQL client and the health probe.
        .target(
            name: "DeadlineSocket", dependencies: ["COpenSSL", "Locking"], swiftSettings: releaseFunctionSections),
        // The system's OpenSSL, for TLS to PostgreSQL; linked statically into the image's executable.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // A generic HTTP/1.1 server on POSIX sockets: one epoll thread per core, Dispatch for the rest.
        // Knows nothing of the app.
        .target(
            name: "HTTPServer", dependencies: ["CSystem", "Locking", "TextEscaping"],
            swiftSettings: releaseWithoutExclusivityChecks + releaseFunctionSections),
        // A minimal HTTP GET with one deadline: `app healthcheck`'s probe (slim images have no curl).
        .target(name: "HTTPProbe", dependencies: ["DeadlineSocket"], swiftSettings: releaseFunctionSections),
        // The system's SQLite.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // A PostgreSQL client on the wire protocol (startup, SCRAM/MD5/password auth, extended query), with the
        // hashes it needs. Knows nothing of the app.
        .target(
            name: "PostgresClient", dependencies: ["Locking", "DeadlineSocket", "TextEscaping"],
            swiftSettings: releaseFunctionSections),
        // The application: configuration, routes, health checks, storage, logging. Knows nothing of sockets.
        .target(
            name: "AppCore",
            dependencies: [
                "HTTPServer", "PostgresClient", "DeadlineSocket", "TextEscaping", "CSQLite", "Locking",
            ],
            swiftSettings: releaseWithoutExclusivityChecks + releaseFunctionSections),
        // The `app` command: reads the environment, builds the app, runs it.
        .executableTarget(
            name: "AppMain", dependencies: ["AppCore", "HTTPServer", "HTTPProbe", "DeadlineSocket"],
            exclude: ["link-order.txt"], swiftSettings: releaseFunctionSections, linkerSettings: appLinkOrder),
        // A raw TCP client shared by the tests that talk to a real server, the trait that keeps tests that
        // block off the cooperative pool, and child processes that cannot outlive the tests or hang them.
        .target(name: "TestSupport", dependencies: ["CTestSpawn"], path: "Tests/TestSupport"),
        // The fork and exec behind TestSupport's child processes: between them only C is safe.
        .target(name: "CTestSpawn", path: "Tests/CTestSpawn"),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TextEscaping", "TestSupport", "Locking"]),
        .testTarget(
            name: "PostgresClientTests", dependencies: ["PostgresClient", "DeadlineSocket", "TestSupport", "Locking"]),
        .testTarget(
            name: "AppCoreTests",
            dependencies: [
                "AppCore", "HTTPServer", "PostgresClient", "DeadlineSocket", "TextEscaping", "Locking", "TestSupport",
            ]),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        // Runs the built `app` binary as a child process; depends on it only so that it is built first.
        .testTarget(name: "AppMainTests", dependencies: ["AppMain", "HTTPProbe", "TestSupport", "Locking"]),
    ],
    swiftLanguageModes: [.v6]
)
