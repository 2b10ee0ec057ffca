import RollwatchScreens
import RollwatchTUI
import Testing

/// Where themes are found, and what `rollwatch themes` shows of one.
@Suite struct ThemeLocationTests {
    @Test func theShippedThemesAreFoundAboveABuildDirectoryOrBesideAnInstall() {
        let checkout: Set<String> = ["/src/rollwatch/Themes/default-dark.theme"]
        #expect(ThemeLocations.searchDirectories(
            executablePath: "/src/rollwatch/.build/x86_64-unknown-linux-gnu/debug/rollwatch",
            environment: ["HOME": "/home/ana", "ROLLWATCH_THEMES": "/etc/rw:/opt/rw"], fileExists: checkout.contains)
            == ["/src/rollwatch/Themes", "/etc/rw", "/opt/rw", "/home/ana/.config/rollwatch/themes"])

        let installed: Set<String> = ["/usr/local/share/rollwatch/themes/default-dark.theme"]
        #expect(ThemeLocations.searchDirectories(executablePath: "/usr/local/bin/rollwatch",
                                                 environment: ["XDG_CONFIG_HOME": "/cfg", "HOME": "/home/ana"],
                                                 fileExists: installed.contains)
            == ["/usr/local/share/rollwatch/themes", "/cfg/rollwatch/themes"])

        #expect(ThemeLocations.searchDirectories(executablePath: "/tmp/rollwatch", environment: [:], fileExists: { _ in false }).isEmpty)
        #expect(ThemeLocations.searchDirectories(executablePath: "./rollwatch", currentDirectory: "/usr/local/bin", environment: [:],
                                                 fileExists: installed.contains) == ["/usr/local/share/rollwatch/themes"])
        #expect(ThemeLocations.searchDirectories(executablePath: "../debug/./rollwatch", currentDirectory: "/src/rollwatch/.build/release",
                                                 environment: [:], fileExists: checkout.contains) == ["/src/rollwatch/Themes"])
        #expect(ThemeLocations.searchDirectories(executablePath: nil, environment: ["HOME": "/h"], fileExists: { _ in true })
            == ["/h/.config/rollwatch/themes"])
    }

    @Test func thePreviewShowsEveryStateBadgeBarKeyAndLogLevelWrappedToTheWidth() throws {
        let library = try ThemeLibrary.load(directories: [ThemeTests.shippedThemes])
        let mono = try library.theme(named: "mono").adapted(to: .none, ascii: true)
        let preview = ThemePreview.render(mono, width: 60)
        #expect(preview.trimmedLines == [
            "mono  No colour at all: bold, dim, underline and reverse, a~",
            "  . waiting  s staging  o starting  ? unknown  # healthy",
            "  X unhealthy  k killing  x killed  ! failed",
            "   READY    LIVE    PAUSED    DONE    FAILED    ROLLED BACK",
            "  SIM x10",
            "  #########|##---| 17/20  u upgrade p pause a abort",
            "  12:04:31  info  action  warning  error",
        ])
        #expect(preview[2, 1].style == Style(attributes: [.dim]))
        #expect(preview[2, 2].style == Style(attributes: [.bold, .reverse]))
    }
}
