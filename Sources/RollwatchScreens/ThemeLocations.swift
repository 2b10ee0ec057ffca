/// Where themes are looked for, in the order later ones override earlier ones.
public enum ThemeLocations {
    /// The directories to search:
    /// 1. the shipped themes: a `Themes` directory holding `default-dark.theme` in the executable's directory or
    ///    one of its parents (a checkout: `.build/<triple>/debug/rollwatch` is three levels below it), else
    ///    `../share/rollwatch/themes` beside an installed binary;
    /// 2. each directory of `ROLLWATCH_THEMES` (colon-separated);
    /// 3. the user's `$XDG_CONFIG_HOME/rollwatch/themes`, or `~/.config/rollwatch/themes`.
    /// `fileExists` is asked about candidate shipped directories, so the search can be tested without a disk.
    /// A relative executable path is taken from `currentDirectory`.
    public static func searchDirectories(executablePath: String?, currentDirectory: String = "/", environment: [String: String],
                                         fileExists: (String) -> Bool) -> [String] {
        var directories: [String] = []
        if let executablePath,
           let shipped = shippedDirectory(executablePath: absolute(executablePath, from: currentDirectory), fileExists: fileExists) {
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

    /// The path made absolute from `directory` and without `.` and `..` components.
    static func absolute(_ path: String, from directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        var components: [Substring] = []
        for component in joined.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// The shipped themes' directory for an executable at an absolute path, or nil when none is found near it.
    static func shippedDirectory(executablePath: String, fileExists: (String) -> Bool) -> String? {
        let marker = "/" + ThemeLibrary.defaultThemeName + "." + ThemeLibrary.fileExtension
        var components = executablePath.split(separator: "/").map(String.init)
        func path(_ parts: [String]) -> String { "/" + parts.joined(separator: "/") }
        guard !components.isEmpty else { return nil }
        components.removeLast()
        let installed = Array(components.dropLast()) + ["share", "rollwatch", "themes"]
        while true {
            let candidate = path(components + ["Themes"])
            if fileExists(candidate + marker) { return candidate }
            if components.isEmpty { break }
            components.removeLast()
        }
        let installedPath = path(installed)
        return fileExists(installedPath + marker) ? installedPath : nil
    }
}
