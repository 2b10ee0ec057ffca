import Foundation
import RollwatchCore

/// The exit codes of ARCHITECTURE.md §5.3 that the commands use.
enum ExitCodes {
    /// The deployment failed: nothing left could make it progress.
    static let failed: Int32 = 1
    /// The deployment was aborted or rolled back.
    static let aborted: Int32 = 2
    /// The deployment did not finish within `--timeout`.
    static let timedOut: Int32 = 3
    /// The deployment waits to be promoted (blue-green without auto-promotion).
    static let awaitingPromotion: Int32 = 4
    /// Bad input or usage (sysexits' EX_USAGE).
    static let badInput: Int32 = 64
}

/// A file that could not be read, with the reason in words.
struct FileReadError: Error {
    let message: String
}

/// Reads definition files from disk; the decoding itself is RollwatchCore's.
enum DefinitionFile {
    /// The largest definition file read; Marathon's own request limit is 1 MiB, so 16 MiB is generous.
    static let maximumSize = 16 << 20

    /// Reads and decodes one file (`-` is standard input), or says why it cannot be read.
    static func read(_ path: String) -> Result<DefinitionReport, FileReadError> {
        if path == "-" {
            return decode(FileHandle.standardInput)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(FileReadError(message: "cannot read: no such file"))
        }
        guard !isDirectory.boolValue else {
            return .failure(FileReadError(message: "cannot read: it is a directory, not a definition file"))
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            return .failure(FileReadError(message: "cannot read: permission denied"))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(FileReadError(message: "cannot read: the file could not be opened"))
        }
        defer { try? handle.close() }
        return decode(handle)
    }

    /// Reads at most `maximumSize` bytes from an open handle and decodes them.
    private static func decode(_ handle: FileHandle) -> Result<DefinitionReport, FileReadError> {
        do {
            let data = try handle.read(upToCount: maximumSize + 1) ?? Data()
            guard data.count <= maximumSize else {
                return .failure(FileReadError(message: "cannot read: larger than \(maximumSize >> 20) MiB; is this a definition file?"))
            }
            return .success(DefinitionLoader.load([UInt8](data)))
        } catch {
            return .failure(FileReadError(message: "cannot read: \(error.localizedDescription)"))
        }
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
