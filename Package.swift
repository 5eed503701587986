// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "ackscope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ackscope", targets: ["ackscope"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // The pure world: no Foundation, no I/O.
        .target(
            name: "DeliverySim",
            dependencies: [.product(name: "DequeModule", package: "swift-collections")]
        ),
        // Pure UI: state, update, panels drawing into a ScreenBuffer. Never imports ncurses.
        .target(
            name: "Dashboard",
            // Experiments: the summary's JSON, written at the edge (no JSON in DeliverySim).
            dependencies: ["DeliverySim", "Experiments", "TOMLLite"]
        ),
        // Scenario files, the headless experiment runner, exports and multi-seed compare.
        .target(
            name: "Experiments",
            dependencies: ["DeliverySim", "TOMLLite"]
        ),
        // Real-broker lanes: a small NATS client on sockets and poll, a private
        // nats-server, the fault proxy, and lanes observed from outside.
        .target(name: "RealBroker", dependencies: ["DeliverySim", "CAckSignals"]),
        .testTarget(name: "RealBrokerTests", dependencies: ["RealBroker", "DeliverySim"]),
        // A small pure-Swift TOML reader for themes and scenarios: bad files are errors, never crashes.
        .target(name: "TOMLLite"),
        .testTarget(name: "TOMLLiteTests", dependencies: ["TOMLLite"]),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        // The signal flag, defined once in C (a header-only flag was copied per module).
        .target(name: "CAckSignals"),
        // The only code that touches the terminal.
        .target(name: "TerminalNcurses", dependencies: ["CNcursesw", "CAckSignals", "Dashboard"]),
        .executableTarget(
            name: "ackscope",
            dependencies: [
                "DeliverySim", "Dashboard", "TerminalNcurses", "Experiments", "TOMLLite", "RealBroker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DeliverySimTests", dependencies: ["DeliverySim", "Experiments"]),
        .testTarget(
            name: "ExperimentsTests", dependencies: ["Experiments", "DeliverySim", "Dashboard"],
            // The sample lesson, read by path from both test targets.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "DashboardTests", dependencies: ["Dashboard", "DeliverySim", "Experiments"],
            // Golden screens, read by path from the tests (not bundled resources).
            exclude: ["Snapshots"]
        ),
        .testTarget(name: "TerminalNcursesTests", dependencies: ["TerminalNcurses", "Dashboard"]),
        // Runs the real binary (in tmux, and headless in separate processes).
        .testTarget(name: "EndToEndTests", dependencies: ["ackscope", "Experiments"]),
    ],
    swiftLanguageModes: [.v6]
)
