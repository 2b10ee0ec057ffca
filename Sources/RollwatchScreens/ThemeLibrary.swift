import Foundation
import RollwatchTUI

/// The themes a user can choose from, and inheritance resolved into complete themes.
///
/// Themes come from directories searched in order (the shipped `Themes/`, then the user's
/// `~/.config/rollwatch/themes`); a later directory's theme replaces an earlier one of the same name, so a user can
/// restyle a shipped theme without copying the others.
public struct ThemeLibrary: Sendable {
    /// The theme used when none is named, and the parent of a theme file without an `inherits` line.
    public static let defaultThemeName = "default-dark"
    /// The file name extension of theme files.
    public static let fileExtension = "theme"

    /// The theme files of each name, in the order they were added: the last one is the theme of that name, and
    /// an earlier one is what a later file of the same name inherits from when it names itself as its parent
    /// (or has no `inherits` line and restyles `default-dark`).
    private var versions: [String: [ThemeFile]] = [:]

    /// The theme file of each name, the last added.
    public var files: [String: ThemeFile] { versions.compactMapValues(\.last) }

    /// An empty library.
    public init() {}

    /// A library of already parsed files; a later file of the same name shadows an earlier one.
    public init(files: [ThemeFile]) {
        for file in files { add(file) }
    }

    /// Adds a theme file, shadowing one of the same name.
    public mutating func add(_ file: ThemeFile) {
        versions[file.name, default: []].append(file)
    }

    /// The names of all themes, sorted, default first.
    public var names: [String] {
        versions.keys.sorted { lhs, rhs in
            if lhs == Self.defaultThemeName || rhs == Self.defaultThemeName { return lhs == Self.defaultThemeName }
            return lhs < rhs
        }
    }

    /// The complete theme of a name: the file's slots over its parent's, up to a root theme that sets them all.
    public func theme(named name: String) throws(ThemeError) -> Theme {
        guard let file = versions[name]?.last else {
            let known = names.joined(separator: ", ")
            throw ThemeError(file: name, message: "no theme of this name; known themes: \(known.isEmpty ? "none" : known), or give a path to a .theme file")
        }
        return try resolve(file)
    }

    /// The complete theme of a parsed file (which need not be in the library), inheriting from the library.
    public func resolve(_ file: ThemeFile) throws(ThemeError) -> Theme {
        var chain = [file]
        var seen: Set<String> = [file.path]
        var current = file
        while let parentName = current.inherits {
            guard let parent = self.parent(named: parentName, of: current) else {
                throw ThemeError(file: current.path, line: current.inheritsLine,
                                 message: "inherits from \"\(parentName)\", which is not a known theme (known: \(names.joined(separator: ", ")))")
            }
            guard !seen.contains(parent.path) else {
                let cycle = (chain.map(\.name) + [parent.name]).joined(separator: " → ")
                throw ThemeError(file: current.path, line: current.inheritsLine, message: "inheritance goes round in a circle: \(cycle)")
            }
            seen.insert(parent.path)
            chain.append(parent)
            current = parent
        }
        var styles: [ThemeSlot: Style] = [:]
        var glyphs: [GlyphSlot: Unicode.Scalar] = [:]
        for ancestor in chain.reversed() {
            for (slot, entry) in ancestor.styles { styles[slot] = entry.style }
            for (slot, entry) in ancestor.glyphs { glyphs[slot] = entry.glyph }
        }
        let missing = ThemeSlot.allCases.filter { styles[$0] == nil }.map(\.rawValue)
        if !missing.isEmpty {
            let root = chain[chain.count - 1]
            throw ThemeError(file: root.path,
                             message: "a theme with `inherits = none` must set every slot; missing: \(missing.joined(separator: ", "))")
        }
        let summary = chain.first { !$0.summary.isEmpty }?.summary ?? ""
        return Theme(name: file.name, summary: summary, styles: styles, glyphs: glyphs)
    }

    /// The file a theme inherits from: the latest of that name, except that a file naming its own name inherits
    /// from the version it shadows.
    private func parent(named name: String, of child: ThemeFile) -> ThemeFile? {
        guard let candidates = versions[name] else { return nil }
        guard name == child.name else { return candidates.last }
        guard let position = candidates.firstIndex(where: { $0.path == child.path }) else { return candidates.last }
        return position > 0 ? candidates[position - 1] : nil
    }

    /// Reads every `*.theme` file of the directories, in order; a directory that does not exist is skipped, and
    /// the first bad file is thrown.
    public static func load(directories: [String]) throws(ThemeError) -> ThemeLibrary {
        let (library, errors) = loadSkippingBadFiles(directories: directories)
        if let first = errors.first { throw first }
        return library
    }

    /// Reads every `*.theme` file of the directories, leaving out the files that cannot be parsed and returning
    /// their errors, so one broken user theme does not hide the others.
    public static func loadSkippingBadFiles(directories: [String]) -> (library: ThemeLibrary, errors: [ThemeError]) {
        var library = ThemeLibrary()
        var errors: [ThemeError] = []
        for directory in directories {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for entry in entries.sorted() where entry.hasSuffix("." + fileExtension) {
                do {
                    library.add(try readFile(atPath: (directory as NSString).appendingPathComponent(entry)))
                } catch {
                    errors.append(error)
                }
            }
        }
        return (library, errors)
    }

    /// Parses one theme file from disk; its name is the file name without `.theme`.
    public static func readFile(atPath path: String) throws(ThemeError) -> ThemeFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ThemeError(file: path, message: "cannot be read: \((error as NSError).localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ThemeError(file: path, message: "is not UTF-8 text")
        }
        return try ThemeFile(name: themeName(ofPath: path), path: path, text: text)
    }

    /// The name a theme file gives its theme: the file name without `.theme`.
    public static func themeName(ofPath path: String) -> String {
        let fileName = (path as NSString).lastPathComponent
        return fileName.hasSuffix("." + fileExtension) ? String(fileName.dropLast(fileExtension.count + 1)) : fileName
    }
}
