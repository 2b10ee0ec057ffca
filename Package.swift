// swift-tools-version: 6.0
import PackageDescription

/// The engine's hot loop (scheduler and simulator: classes touched on every event) without run-time exclusivity
/// checks in release builds, where they were a tenth of the engine benchmark's time. Debug builds, and so every
/// `swift test`, keep the checks, so an overlapping access still fails a test.
let engineSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

/// rollwatch: a terminal dashboard for rolling upgrades of Marathon apps, groups and pods.
/// The module map is in ARCHITECTURE.md §3; arrows point one way, and Core imports nothing of ours.
let package = Package(
    name: "rollwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rollwatch", targets: ["rollwatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // No pkgConfig: Debian's ncursesw.pc adds -D flags that SwiftPM rejects; the modulemap's link line is enough.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),
        .target(name: "RollwatchCore"),
        // Cache prefetch hints for the engine's hot loop (Swift has no prefetch of its own).
        .target(name: "CPrefetch"),
        .target(name: "RollwatchScheduler", dependencies: ["RollwatchCore", "CPrefetch"], swiftSettings: engineSettings),
        .target(name: "RollwatchSim", dependencies: ["RollwatchCore", "CPrefetch"], swiftSettings: engineSettings),
        // Real processes: spawning in process groups, pidfds, probes. The C part is what Swift cannot call itself.
        .target(name: "CLocalProcess"),
        .target(name: "RollwatchLocal", dependencies: ["RollwatchCore", "CLocalProcess"]),
        .target(name: "RollwatchTUI"),
        .target(name: "RollwatchScreens", dependencies: ["RollwatchCore", "RollwatchTUI"]),
        // The only importer of CNcursesw.
        .target(name: "RollwatchTerminal", dependencies: ["CNcursesw", "RollwatchTUI"]),
        .executableTarget(name: "rollwatch", dependencies: [
            "RollwatchCore", "RollwatchScheduler", "RollwatchSim", "RollwatchLocal", "RollwatchScreens", "RollwatchTUI", "RollwatchTerminal",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "rollwatch-bench", dependencies: ["RollwatchCore", "RollwatchScheduler", "RollwatchSim", "RollwatchLocal",
                                                                  "RollwatchScreens", "RollwatchTUI"]),
        .testTarget(name: "CNcurseswTests", dependencies: ["CNcursesw"]),
        .testTarget(name: "RollwatchCoreTests", dependencies: ["RollwatchCore"]),
        .testTarget(name: "RollwatchTUITests", dependencies: ["RollwatchTUI"]),
        // The dashboard's fixtures are real simulated upgrades, so the screens' tests run the scheduler too.
        .testTarget(name: "RollwatchScreensTests", dependencies: ["RollwatchScreens", "RollwatchTUI", "RollwatchCore", "RollwatchScheduler", "RollwatchSim"],
                    exclude: ["Snapshots"]),
        .testTarget(name: "RollwatchSchedulerTests", dependencies: ["RollwatchScheduler", "RollwatchSim", "RollwatchCore"]),
        .testTarget(name: "RollwatchLocalTests", dependencies: ["RollwatchLocal", "RollwatchScheduler", "RollwatchCore"]),
        .testTarget(name: "rollwatchTests", dependencies: ["rollwatch", "RollwatchCore"]),
    ]
)
