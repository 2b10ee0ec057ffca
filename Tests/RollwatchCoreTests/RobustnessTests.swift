import Foundation
import RollwatchCore
import Testing

/// Damaged definition files must give an error, never a crash. The cases are generated from the examples with
/// a fixed seed, so a failure names a case that reproduces.
@Suite struct RobustnessTests {
    static let seed: UInt64 = 20_261_129
    static let exampleFiles = ["python-web.json", "python-web-v2.json", "shop-group.json", "web-pod.json", "postgres-resident.json"]

    /// Offsets of JSON's structural characters outside string literals.
    static func structuralOffsets(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var inString = false, escaped = false
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false; offsets.append(offset) }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                offsets.append(offset)
            } else if "{}[]:,".utf8.contains(byte) {
                offsets.append(offset)
            }
        }
        return offsets
    }

    /// Corruptions that always break a file: truncation before its last `}`, an invalid UTF-8 byte anywhere, and
    /// a structural character deleted, doubled or swapped for another. Each must give a syntax error whose
    /// position lies within the damaged file.
    @Test func corruptedExamplesGiveASyntaxErrorNeverACrash() throws {
        var random = SeededGenerator(seed: Self.seed)
        let examples = try Self.exampleFiles.map(exampleBytes)
        for caseNumber in 0..<1_500 {
            let original = examples[caseNumber % examples.count]
            var damaged = original
            let description: String
            switch caseNumber % 5 {
            case 0, 1:
                let lastBrace = original.lastIndex(of: UInt8(ascii: "}")) ?? original.count
                let cut = Int.random(in: 0..<lastBrace, using: &random)
                damaged = Array(original[..<cut])
                description = "truncated at \(cut)"
            case 2:
                let offset = Int.random(in: 0...original.count, using: &random)
                damaged.insert([0xFF, 0xC0, 0x80, 0xFE].randomElement(using: &random) ?? 0xFF, at: offset)
                description = "invalid byte inserted at \(offset)"
            default:
                let offsets = Self.structuralOffsets(original)
                let offset = offsets.randomElement(using: &random) ?? 0
                let structural = Array("{}[]:,\"".utf8)
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    damaged.remove(at: offset)
                    description = "deleted '\(UnicodeScalar(original[offset]))' at \(offset)"
                case 1:
                    damaged.insert(original[offset], at: offset)
                    description = "doubled '\(UnicodeScalar(original[offset]))' at \(offset)"
                default:
                    let replacement = structural.filter { $0 != original[offset] }.randomElement(using: &random) ?? UInt8(ascii: "{")
                    damaged[offset] = replacement
                    description = "replaced '\(UnicodeScalar(original[offset]))' with '\(UnicodeScalar(replacement))' at \(offset)"
                }
            }
            let report = DefinitionLoader.load(damaged)
            let syntax = try #require(report.syntaxError, "case \(caseNumber) (\(description)) was not rejected")
            #expect(syntax.offset <= damaged.count, "case \(caseNumber)")
            #expect(syntax.line >= 1 && syntax.column >= 1, "case \(caseNumber)")
            #expect(!syntax.message.isEmpty)
            #expect(!report.isValid)
            #expect(ValidationOutput.textLines(file: "damaged.json", report: report).count == 1)
        }
    }

    /// Random bytes overwritten anywhere, strings and numbers included: the reader must agree with Foundation's
    /// JSON parser on whether the text is JSON at all, never trap, and give a consistent report either way.
    @Test func randomNoiseAgreesWithFoundationAndNeverCrashes() throws {
        var random = SeededGenerator(seed: Self.seed ^ 0xA5A5)
        let examples = try Self.exampleFiles.map(exampleBytes)
        var stillValid = 0, ruleErrors = 0, syntaxErrors = 0
        for caseNumber in 0..<1_500 {
            var damaged = examples[caseNumber % examples.count]
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let offset = Int.random(in: 0..<damaged.count, using: &random)
                damaged[offset] = UInt8.random(in: 0...255, using: &random)
            }
            let report = DefinitionLoader.load(damaged)
            let foundationAccepts = (try? JSONSerialization.jsonObject(with: Data(damaged), options: [.fragmentsAllowed])) != nil
            #expect((report.syntaxError == nil) == foundationAccepts,
                    "case \(caseNumber): rollwatch says \(report.syntaxError.map(\.description) ?? "well-formed"), Foundation \(foundationAccepts ? "accepts" : "rejects")")
            let lines = ValidationOutput.textLines(file: "noisy.json", report: report)
            if report.syntaxError != nil {
                syntaxErrors += 1
            } else if report.isValid {
                #expect(report.definition != nil)
                #expect(lines.first?.hasPrefix("noisy.json: ok: ") == true)
                stillValid += 1
            } else {
                #expect(report.errors.allSatisfy { $0.path.description.hasPrefix("/") && !$0.message.isEmpty })
                #expect(ValidationOutput.marathonBody(report: report) != nil)
                ruleErrors += 1
            }
        }
        #expect(syntaxErrors > 500, "noise mostly breaks the syntax")
        #expect(stillValid > 0, "some noise lands where it changes nothing that matters")
        #expect(ruleErrors > 0, "some noise lands in values and breaks a rule instead")
    }

    /// Type confusion: every value of every example replaced, one at a time, by values of other JSON types and by
    /// numbers out of Marathon's int32 range; the report and its rendering must hold together.
    @Test func everyValueReplacedByOtherTypesNeverCrashes() throws {
        let replacements: [JSONValue] = [nil, true, -1, 1.5, 2_147_483_648, 5e18, -1e300, "", "x", [], [1, "a"], [:], ["a": [:]]]
        var reports = 0
        for file in Self.exampleFiles {
            let document = try JSONParser.parse(try exampleBytes(file))
            for path in allPaths(in: document) {
                for replacement in replacements {
                    let report = DefinitionLoader.load(replacing(path, in: document, with: replacement))
                    let lines = ValidationOutput.textLines(file: "typed.json", report: report)
                    #expect(lines.isEmpty == false)
                    #expect(report.isValid == (ValidationOutput.marathonBody(report: report) == nil))
                    reports += 1
                }
            }
        }
        #expect(reports > 1_000)
    }

    private func allPaths(in value: JSONValue, at path: [JSONPath.Component] = []) -> [[JSONPath.Component]] {
        switch value {
        case .object(let object):
            return [path] + object.members.flatMap { allPaths(in: $0.value, at: path + [.key($0.key)]) }
        case .array(let elements):
            return [path] + elements.enumerated().flatMap { allPaths(in: $0.element, at: path + [.index($0.offset)]) }
        default:
            return [path]
        }
    }

    private func replacing(_ path: [JSONPath.Component], in value: JSONValue, with replacement: JSONValue) -> JSONValue {
        guard let first = path.first else { return replacement }
        let rest = Array(path.dropFirst())
        switch (first, value) {
        case (.key(let key), .object(var object)):
            object[key] = replacing(rest, in: object[key] ?? nil, with: replacement)
            return .object(object)
        case (.index(let index), .array(var elements)) where elements.indices.contains(index):
            elements[index] = replacing(rest, in: elements[index], with: replacement)
            return .array(elements)
        default:
            return value
        }
    }
}
