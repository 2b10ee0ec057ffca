import Foundation
import Testing

/// `rollwatch themes`: the shipped themes found from the built binary, previews, and theme file errors.
@Suite struct ThemesCommandTests {
    /// No user themes: a broken file in the tester's own config must not change what these tests see.
    static let isolated = ["HOME": "/nonexistent", "XDG_CONFIG_HOME": "/nonexistent", "ROLLWATCH_THEMES": ""]

    @Test func listsTheShippedThemesDefaultFirstWithAPreviewEach() throws {
        let result = try BinaryRunner.run(["themes"], environment: Self.isolated)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let titles = result.lines.filter { !$0.hasPrefix(" ") }.map { String($0.prefix { $0 != " " }) }
        #expect(titles.first == "default-dark")
        #expect(Set(titles).isSuperset(of: ["default-dark", "default-light", "mono", "deuteranopia"]))
        #expect(result.standardOutput.contains("● healthy  ✖ unhealthy"))
        #expect(!result.standardOutput.contains("\u{1B}["), "no escapes when standard output is not a terminal")
    }

    @Test func asciiPreviewUsesOnlyAsciiGlyphs() throws {
        let result = try BinaryRunner.run(["themes", "deuteranopia", "--ascii"], environment: Self.isolated)
        #expect(result.exitCode == 0)
        #expect(result.lines.count == 6)
        #expect(result.lines.dropFirst().allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
        #expect(result.standardOutput.contains("# healthy  X unhealthy"))
    }

    @Test func aThemeFileBeingWrittenIsCheckedAndPreviewedAgainstTheShippedOnes() throws {
        let good = try BinaryRunner.temporaryFile("inherits = mono\nsummary = \"mine\"\nglyph.inst_healthy = \"+\"\n", name: "mine.theme")
        let result = try BinaryRunner.run(["themes", good], environment: Self.isolated)
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.lines.first == "mine  mine")
        #expect(result.standardOutput.contains("+ healthy"))

        let bad = try BinaryRunner.temporaryFile("inherits = mono\n\ninst_unhealthy = red blinking\n", name: "bad.theme")
        let failure = try BinaryRunner.run(["themes", bad], environment: Self.isolated)
        #expect(failure.exitCode == 64)
        #expect(failure.standardError.hasPrefix("\(bad):3: slot inst_unhealthy: \"blinking\" is neither a colour nor an attribute"))
    }

    @Test func aBrokenUserThemeIsReportedWithoutHidingTheOthers() throws {
        let broken = try BinaryRunner.temporaryFile("inst_helthy = green\n", name: "broken.theme")
        let directory = URL(fileURLWithPath: broken).deletingLastPathComponent().path
        let result = try BinaryRunner.run(["themes"], environment: Self.isolated.merging(["ROLLWATCH_THEMES": directory]) { $1 })
        #expect(result.exitCode == 64)
        #expect(result.standardError.contains("broken.theme:1: unknown slot \"inst_helthy\" (did you mean inst_healthy?)"))
        #expect(result.lines.contains { $0.hasPrefix("default-light") })
        let unknown = try BinaryRunner.run(["themes", "solarized"], environment: Self.isolated)
        #expect(unknown.exitCode == 64)
        #expect(unknown.standardError.contains("solarized: no theme of this name; known themes: default-dark, default-light, deuteranopia, mono"))
        let other = try BinaryRunner.run(["themes", "mono"], environment: Self.isolated.merging(["ROLLWATCH_THEMES": directory]) { $1 })
        #expect(other.exitCode == 0, "a broken theme nobody asked for does not fail: \(other.standardError)")
        let asked = try BinaryRunner.run(["themes", "broken"], environment: Self.isolated.merging(["ROLLWATCH_THEMES": directory]) { $1 })
        #expect(asked.exitCode == 64)
        #expect(asked.standardError.split(separator: "\n").count == 1)
    }
}
