import Foundation
import Testing

/// `rollwatch validate` end to end: the built binary, its output and its exit codes.
@Suite struct ValidateCommandTests {
    @Test func everyExampleIsOkAndExitsZero() throws {
        let files = ["python-web.json", "python-web-v2.json", "shop-group.json", "web-pod.json", "postgres-resident.json"].map { "Examples/" + $0 }
        let result = try BinaryRunner.run(["validate"] + files)
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.lines.count == files.count)
        #expect(result.lines.first == "Examples/python-web.json: ok: app /python-web, 20 instances, strategy marathon (minimumHealthCapacity 0.85, maximumOverCapacity 0.15): keeps 17 healthy, at most 23 running, kills 3 at once")
        #expect(result.lines.allSatisfy { $0.contains(": ok: ") })
    }

    @Test func invalidFilePrintsOneLinePerErrorAndExits64() throws {
        let file = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "x", "instances": -3, "upgradeStrategy": {"minimumHealthCapacity": 1.2, "maximumOverCapacity": 0}}"#)
        let result = try BinaryRunner.run(["validate", file])
        #expect(result.exitCode == 64)
        #expect(result.lines == [
            "\(file): /instances: got -3, expected 0 or more",
            "\(file): /upgradeStrategy/minimumHealthCapacity: got 1.2, expected between 0.0 and 1.0",
        ])
    }

    @Test func jsonOutputIsMarathonsBodyPerInvalidFile() throws {
        let file = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "x", "upgradeStrategy": {"minimumHealthCapacity": 1.2, "maximumOverCapacity": 0}}"#)
        let result = try BinaryRunner.run(["validate", "--output", "json", "Examples/python-web.json", file])
        #expect(result.exitCode == 64)
        #expect(result.lines == [
            #"{"message":"Object is not valid","details":[{"path":"/upgradeStrategy/minimumHealthCapacity","errors":["got 1.2, expected between 0.0 and 1.0"]}],"file":"\#(file)"}"#,
        ])
        let body = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(body?["message"] as? String == "Object is not valid")
    }

    @Test func malformedJSONNamesFileLineAndColumn() throws {
        let file = try BinaryRunner.temporaryFile("{\n  \"id\": \"/web\",\n  \"cmd\": \"x\",\n}\n")
        let result = try BinaryRunner.run(["validate", file])
        #expect(result.exitCode == 64)
        #expect(result.lines == ["\(file):4:1: malformed JSON: expected a member name in double quotes after ',', found '}' (a trailing comma is not allowed in JSON)"])
    }

    @Test func missingFileAndDirectoryAreReportedNotCrashedOn() throws {
        let result = try BinaryRunner.run(["validate", "Examples/nope.json", "Examples"])
        #expect(result.exitCode == 64)
        #expect(result.standardError.split(separator: "\n") == [
            "Examples/nope.json: cannot read: no such file",
            "Examples: cannot read: it is a directory, not a definition file",
        ])
    }

    @Test func warningsDoNotFailValidation() throws {
        let file = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "x", "instnces": 2}"#)
        let result = try BinaryRunner.run(["validate", file])
        #expect(result.exitCode == 0)
        #expect(result.lines == [
            "\(file): ok: app /web, 1 instance, strategy marathon (minimumHealthCapacity 1.0, maximumOverCapacity 1.0): keeps 1 healthy, at most 2 running, kills 0 at once",
            "\(file): warning: /instnces: unknown app field 'instnces' is ignored; did you mean 'instances'?",
        ])
    }

    @Test func dashReadsStandardInput() throws {
        let result = try BinaryRunner.run(["validate", "-"], input: #"{"app": {"id": "/web", "cmd": "x", "mem": -1}}"#)
        #expect(result.exitCode == 64)
        #expect(result.lines == ["-: /app/mem: got -1.0, expected 0.0 or more"])
    }

    @Test func noFilesIsAUsageErrorWithExit64() throws {
        let result = try BinaryRunner.run(["validate"])
        #expect(result.exitCode == 64)
        #expect(result.standardError.contains("Missing expected argument '<files> ...'"))
    }
}
