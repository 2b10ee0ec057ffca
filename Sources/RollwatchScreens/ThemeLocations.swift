/// Where themes are looked for, in the order later ones override earlier ones.
public enum ThemeLocations {
    /// The directories to search:
    /// 1. the shipped themes: a `Themes` directory holding `default-dark.theme` in the executable's directory or
    ///    one of its parents (a checkout: `.build/<triple>/debug/rollwatch` is three levels below it), else
    ///    `../share/rollwatch/themes` beside an installed binary;
    /// 2. each directory of `ROLLWATCH_THEMES` (colon-separated);
    /// 3. the user's `$XDG_CONFIG_HOME/rollwatch/themes`, or `~/.config/rollwatch/themes`.
    /// `fileExists` is asked about candidate shipped directories, so the search can be tested without a disk.
    public static func searchDirectories(executablePath: String?, environment: [String: String],
                                         fileExists: (String) -> Bool) -> [String] {
        var directories: [String] = []
        if let executablePath, let shipped = shippedDirectory(executablePath: executablePath, fileExists: fileExists) {
            directories.append(shipped)
        }
        if let extra = environment["ROLLWATCH_THEMES"] {
            directories += extra.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            directories.append(config + "/rollwatch/themes")
        } else if let home = environment["HOME"], !home.isEmpty {
            directories.append(home + "/.config/rollwatch/themes")
        }
        return directories
    }

    /// The shipped themes' directory for an executable, or nil when none is found near it.
    static func shippedDirectory(executablePath: String, fileExists: (String) -> Bool) -> String? {
        let marker = "/" + ThemeLibrary.defaultThemeName + "." + ThemeLibrary.fileExtension
        var components = executablePath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let absolute = executablePath.hasPrefix("/")
        func path(_ parts: [String]) -> String { (absolute ? "/" : "") + parts.joined(separator: "/") }
        guard !components.isEmpty else { return nil }
        components.removeLast()
        let installed = components.dropLast() + ["share", "rollwatch", "themes"]
        for _ in 0..<6 {
            let candidate = path(components + ["Themes"])
            if fileExists(candidate + marker) { return candidate }
            if components.isEmpty { break }
            components.removeLast()
        }
        let installedPath = path(Array(installed))
        return fileExists(installedPath + marker) ? installedPath : nil
    }
}
