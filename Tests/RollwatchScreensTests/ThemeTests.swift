import Foundation
import RollwatchScreens
import RollwatchTUI
import Testing

/// Theme files: the format, inheritance, errors that point at the line, degradation, and the shipped themes.
@Suite struct ThemeTests {
    /// The repository's `Themes/` directory, found from this file's place in the checkout.
    static let shippedThemes = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Themes").path

    /// A root theme that sets every slot to the terminal's default style, for building small test libraries.
    static func completeRoot(name: String = "default-dark", overrides: String = "") throws -> ThemeFile {
        let lines = ThemeSlot.allCases.map { "\($0.rawValue) = default" }.joined(separator: "\n")
        return try ThemeFile(name: name, path: "\(name).theme", text: "inherits = none\n" + lines + "\n" + overrides)
    }

    /// The error a theme text raises.
    static func error(in text: String, name: String = "bad") -> ThemeError? {
        do {
            _ = try ThemeFile(name: name, path: "Themes/\(name).theme", text: text)
            return nil
        } catch {
            return error
        }
    }

    @Test func styleValuesTakeForegroundBackgroundAndAttributesInAnyCombination() throws {
        let file = try ThemeFile(name: "t", path: "t.theme", text: """
            # a comment
            inst_healthy = green bold            # trailing comment
            badge_paused = black on #e0af68 bold underline
            selected     = on 24
            inst_killed  = dim
            inst_waiting = #abc
            log_time     = grey
            """)
        #expect(file.styles[.instHealthy]?.style == Style(foreground: .ansi(2), attributes: [.bold]))
        #expect(file.styles[.badgePaused]?.style == Style(foreground: .ansi(0), background: .rgb(0xE0, 0xAF, 0x68), attributes: [.bold, .underline]))
        #expect(file.styles[.selected]?.style == Style(background: .indexed(24)))
        #expect(file.styles[.instKilled]?.style == Style(attributes: [.dim]))
        #expect(file.styles[.instWaiting]?.style == Style(foreground: .rgb(0xAA, 0xBB, 0xCC)))
        #expect(file.styles[.logTime]?.style == Style(foreground: .ansi(8)))
        #expect(file.styles[.instHealthy]?.line == 2)
        #expect(file.inherits == ThemeLibrary.defaultThemeName)
    }

    @Test func aBadColourNamesTheFileTheLineAndTheSlot() {
        let error = Self.error(in: "summary = \"x\"\n\ninst_healthy = gren bold\n")
        #expect(error?.line == 3)
        #expect(error?.slot == "inst_healthy")
        #expect(error?.description.hasPrefix("Themes/bad.theme:3: slot inst_healthy: \"gren\" is neither a colour nor an attribute") == true)
    }

    @Test func otherMistakesAreExplainedWithTheirLine() {
        #expect(Self.error(in: "inst_helthy = green")?.description
            == "Themes/bad.theme:1: unknown slot \"inst_helthy\" (did you mean inst_healthy?)")
        #expect(Self.error(in: "inst_healthy = green\ninst_healthy = blue")?.description
            == "Themes/bad.theme:2: slot inst_healthy: set twice; first set on line 1")
        #expect(Self.error(in: "just words")?.description == "Themes/bad.theme:1: expected `slot = value`, found \"just words\"")
        #expect(Self.error(in: "badge_live = red blue")?.message.contains("two foreground colours") == true)
        #expect(Self.error(in: "badge_live = red on")?.message == "\"on\" needs a background colour after it")
        #expect(Self.error(in: "badge_live = on #12345")?.message.hasPrefix("\"#12345\" is not a background colour") == true)
        #expect(Self.error(in: "badge_live =")?.message.hasPrefix("no value") == true)
        #expect(Self.error(in: "glyph.inst_healthy = \"●●\"")?.slot == "glyph.inst_healthy")
        #expect(Self.error(in: "glyph.inst_healthy = \"😀\"")?.message.hasPrefix("expected one character one column wide") == true)
        #expect(Self.error(in: "glyph.inst_healty = \"o\"")?.message == "unknown glyph slot \"glyph.inst_healty\" (did you mean glyph.inst_healthy?)")
        #expect(Self.error(in: "name = other")?.message.contains("call it other.theme") == true)
        #expect(Self.error(in: "inherits =")?.line == 1)
    }

    @Test func hashColoursAreNotCommentsButSpacedHashesAreAndQuotedOnesAreKept() throws {
        let file = try ThemeFile(name: "t", path: "t.theme", text: """
            title = #ff0000 # red title
            summary = "Theme #1 # the first"
            glyph.marker = "#"
            """)
        #expect(file.styles[.title]?.style == Style(foreground: .rgb(255, 0, 0)))
        #expect(file.summary == "Theme #1 # the first")
        #expect(file.glyphs[.marker]?.glyph == "#")
    }

    @Test func windowsLineEndsAndAByteOrderMarkAreRead() throws {
        let file = try ThemeFile(name: "t", path: "t.theme", text: "\u{FEFF}summary = \"crlf\"\r\ntitle = red\r\n\r\nborder = blue\r\n")
        #expect(file.summary == "crlf")
        #expect(file.styles[.title]?.style == Style(foreground: .ansi(1)))
        #expect(file.styles[.border]?.line == 4)
        #expect(Self.error(in: "title = red\r\nborder = bleu\r\n")?.line == 2)
    }

    @Test func aChildOverridesItsParentSlotBySlotAndKeepsTheRest() throws {
        let root = try Self.completeRoot(overrides: "")
        let middle = try ThemeFile(name: "middle", path: "middle.theme", text: "inst_healthy = green\nglyph.inst_healthy = \"o\"")
        let leaf = try ThemeFile(name: "leaf", path: "leaf.theme", text: "inherits = middle\nsummary = \"leaf\"\ninst_unhealthy = red bold")
        let library = ThemeLibrary(files: [root, middle, leaf])
        let theme = try library.theme(named: "leaf")
        #expect(theme.style(.instHealthy) == Style(foreground: .ansi(2)))
        #expect(theme.style(.instUnhealthy) == Style(foreground: .ansi(1), attributes: [.bold]))
        #expect(theme.style(.title) == .plain)
        #expect(theme.glyph(.instHealthy) == "o")
        #expect(theme.glyph(.instUnhealthy) == "✖")
        #expect(theme.summary == "leaf")
    }

    @Test func aUserFileOfTheSameNameRestylesTheShippedThemeAndItsChildren() throws {
        let shipped = try Self.completeRoot(overrides: "")
        let light = try ThemeFile(name: "light", path: "Themes/light.theme", text: "border = blue")
        let restyled = try ThemeFile(name: "default-dark", path: "/home/ana/.config/rollwatch/themes/default-dark.theme", text: "title = red")
        let library = ThemeLibrary(files: [shipped, light, restyled])
        #expect(try library.theme(named: "default-dark").style(.title) == Style(foreground: .ansi(1)))
        #expect(try library.theme(named: "light").style(.title) == Style(foreground: .ansi(1)))
        #expect(try library.theme(named: "light").style(.border) == Style(foreground: .ansi(4)))
        let alone = try ThemeFile(name: "default-dark", path: "only.theme", text: "title = red")
        #expect(throws: ThemeError.self) { try ThemeLibrary(files: [alone]).theme(named: "default-dark") }
    }

    @Test func inheritanceErrorsNameTheLineOfInheritsAndTheChain() throws {
        let root = try Self.completeRoot()
        let a = try ThemeFile(name: "a", path: "a.theme", text: "inherits = b")
        let b = try ThemeFile(name: "b", path: "b.theme", text: "\ninherits = a")
        let orphan = try ThemeFile(name: "orphan", path: "orphan.theme", text: "inherits = nowhere")
        let library = ThemeLibrary(files: [root, a, b, orphan])
        #expect(throws: ThemeError(file: "b.theme", line: 2, message: "inheritance goes round in a circle: a → b → a")) {
            try library.theme(named: "a")
        }
        #expect(throws: ThemeError(file: "orphan.theme", line: 1,
                                   message: "inherits from \"nowhere\", which is not a known theme (known: default-dark, a, b, orphan)")) {
            try library.theme(named: "orphan")
        }
        let incomplete = try ThemeFile(name: "bare", path: "bare.theme", text: "inherits = none\ntitle = bold")
        #expect(throws: ThemeError.self) { try ThemeLibrary(files: [incomplete]).theme(named: "bare") }
        do {
            _ = try ThemeLibrary(files: [incomplete]).theme(named: "bare")
        } catch {
            #expect(error.description.hasPrefix("bare.theme: a theme with `inherits = none` must set every slot; missing: main_fg, border,"))
        }
        #expect(throws: ThemeError.self) { try library.theme(named: "missing") }
    }

    @Test func degradationKeepsAttributesAndAsciiReplacesOnlyNonAsciiGlyphs() throws {
        let root = try Self.completeRoot(overrides: "")
        let file = try ThemeFile(name: "t", path: "t.theme",
                                 text: "inst_healthy = #9ece6a on #1a1b26 bold\nglyph.inst_unhealthy = \"X\"\nglyph.marker = \"┃\"")
        let theme = try ThemeLibrary(files: [root]).resolve(file)
        #expect(theme.adapted(to: .trueColor, ascii: false).style(.instHealthy).foreground == .rgb(0x9E, 0xCE, 0x6A))
        #expect(theme.adapted(to: .palette256, ascii: false).style(.instHealthy).foreground == .indexed(149))
        #expect(theme.adapted(to: .ansi16, ascii: false).style(.instHealthy).foreground == .ansi(10))
        let mono = theme.adapted(to: .none, ascii: true)
        #expect(mono.style(.instHealthy) == Style(attributes: [.bold]))
        #expect(mono.glyph(.instUnhealthy) == "X")
        #expect(mono.glyph(.marker) == "|")
        #expect(mono.glyph(.instHealthy) == "#")
        #expect(GlyphSlot.allCases.allSatisfy { mono.glyph($0).isASCII })
    }

    @Test func noColorAndColortermDecideTheCapability() {
        #expect(ColorCapability.detect(environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"], terminfoColors: 256) == .none)
        #expect(ColorCapability.detect(environment: ["NO_COLOR": ""], terminfoColors: 256) == .palette256)
        #expect(ColorCapability.detect(environment: ["COLORTERM": "24bit"], terminfoColors: 8).colors == 1 << 24)
        #expect(ColorCapability.detect(environment: [:], terminfoColors: -1) == .none)
    }

    @Test func theShippedThemesAllResolveAndCoverTheIssuesFour() throws {
        let library = try ThemeLibrary.load(directories: [Self.shippedThemes])
        #expect(library.names.first == "default-dark")
        #expect(Set(library.names).isSuperset(of: ["default-dark", "default-light", "mono", "deuteranopia"]))
        for name in library.names {
            let theme = try library.theme(named: name)
            #expect(!theme.summary.isEmpty, "\(name) has no summary")
        }
    }

    @Test func everyShippedThemeKeepsTheBusyStatesApartIn256And16Colours() throws {
        let library = try ThemeLibrary.load(directories: [Self.shippedThemes])
        let busy: [ThemeSlot] = [.instHealthy, .instUnhealthy, .instStarting, .instKilling, .graphOld]
        for name in library.names {
            for capability in [ColorCapability.palette256, .ansi16] {
                let theme = try library.theme(named: name).adapted(to: capability, ascii: false)
                let looks = busy.map { theme.style($0) }.map { "\($0.foreground) \($0.background) \($0.attributes.rawValue)" }
                #expect(Set(looks).count == busy.count, "\(name) in \(capability): \(looks)")
            }
        }
    }

    @Test func theMonoThemeUsesNoColourAndStillTellsEveryInstanceStateApart() throws {
        let library = try ThemeLibrary.load(directories: [Self.shippedThemes])
        let mono = try library.theme(named: "mono")
        for slot in ThemeSlot.allCases {
            #expect(mono.style(slot).foreground == .default && mono.style(slot).background == .default, "\(slot.rawValue) has a colour")
        }
        let states = InstanceDisplayState.allCases.map(\.glyphSlot)
        for ascii in [false, true] {
            let adapted = mono.adapted(to: .none, ascii: ascii)
            #expect(Set(states.map { adapted.glyph($0) }).count == states.count)
        }
    }

    @Test func theColourBlindThemeNeverPutsGreenAgainstRed() throws {
        let library = try ThemeLibrary.load(directories: [Self.shippedThemes])
        let theme = try library.theme(named: "deuteranopia")
        func hue(_ color: TerminalColor) -> Double? {
            guard case .rgb(let r, let g, let b) = color else { return nil }
            let (rf, gf, bf) = (Double(r) / 255, Double(g) / 255, Double(b) / 255)
            let high = max(rf, gf, bf), low = min(rf, gf, bf)
            guard high - low > 0.15 else { return nil }
            let raw: Double
            if high == rf { raw = (gf - bf) / (high - low) } else if high == gf { raw = 2 + (bf - rf) / (high - low) } else { raw = 4 + (rf - gf) / (high - low) }
            return (raw * 60 + 360).truncatingRemainder(dividingBy: 360)
        }
        let good = hue(theme.style(.instHealthy).foreground)
        let bad = hue(theme.style(.instUnhealthy).foreground)
        // Deuteranopes confuse hues from red through green (0–150°); healthy must sit outside that band.
        #expect(good.map { $0 > 180 && $0 < 260 } == true)
        #expect(theme.glyph(.instHealthy) != theme.glyph(.instUnhealthy))
        #expect(bad != nil)
    }

    @Test func aUserDirectoryOverridesAShippedThemeOfTheSameName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollwatch-themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "inherits = default-light\nsummary = \"mine\"\ntitle = red\n".write(to: directory.appendingPathComponent("mono.theme"), atomically: true, encoding: .utf8)
        try "not a theme".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let library = try ThemeLibrary.load(directories: [Self.shippedThemes, directory.path, "/nonexistent/rollwatch"])
        let mine = try library.theme(named: "mono")
        #expect(mine.summary == "mine")
        #expect(mine.style(.title) == Style(foreground: .ansi(1)))
        #expect(!library.names.contains("notes"))
        try "title = ??".write(to: directory.appendingPathComponent("broken.theme"), atomically: true, encoding: .utf8)
        #expect(throws: ThemeError(file: directory.appendingPathComponent("broken.theme").path, line: 1, slot: "title",
                                   message: "\"??\" is neither a colour nor an attribute; colours are default, a name (red, bright-blue, grey), 0–255, #rrggbb or #rgb, attributes are bold, dim, italic, underline, reverse")) {
            try ThemeLibrary.load(directories: [directory.path])
        }
    }
}
