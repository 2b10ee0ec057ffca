import RollwatchCore
import Testing

/// What `rollwatch validate` prints, as text and as Marathon's error body.
@Suite struct ValidationOutputTests {
    @Test func marathonBodyForAnOutOfRangeStrategy() throws {
        let report = loadApp(["upgradeStrategy": ["minimumHealthCapacity": 1.2, "maximumOverCapacity": 0.5]])
        let body = try #require(ValidationOutput.marathonBody(report: report))
        #expect(JSONWriter.compact(body) ==
                #"{"message":"Object is not valid","details":[{"path":"/upgradeStrategy/minimumHealthCapacity","errors":["got 1.2, expected between 0.0 and 1.0"]}]}"#)
    }

    @Test func errorsAtOnePathShareOneDetail() throws {
        let report = loadApp(["labels": ["MARATHON_SINGLE_INSTANCE_APP": "true"], "instances": 3, "cmd": .null])
        let body = try #require(ValidationOutput.marathonBody(report: report))
        #expect(JSONWriter.compact(body) == #"{"message":"Object is not valid","details":[{"path":"/","errors":["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.","Single instance app may only have one instance"]}]}"#)
    }

    @Test func wrongTypesAreInvalidJSONAsInMarathon() throws {
        let body = try #require(ValidationOutput.marathonBody(report: loadApp(["instances": "3"])))
        #expect(body.objectValue?["message"] == "Invalid JSON")
    }

    @Test func malformedFileGivesLineAndColumn() {
        let report = load("{\n  \"id\": \"/web\"\n  \"cmd\": \"x\"\n}")
        #expect(ValidationOutput.textLines(file: "web.json", report: report) ==
                [#"web.json:3:3: malformed JSON: expected ',' or '}' after the value of "id", found '"'"#])
        #expect(ValidationOutput.marathonBody(report: report).map(JSONWriter.compact) ==
                #"{"message":"Invalid JSON","details":"line 3, column 3: expected ',' or '}' after the value of \"id\", found '\"'"}"#)
    }

    @Test func validFileGivesOneSummaryLineThenWarnings() {
        let report = loadApp(["instances": 20, "upgradeStrategy": ["minimumHealthCapacity": 0.85, "maximumOverCapacity": 0.15], "colour": "x"])
        #expect(ValidationOutput.textLines(file: "web.json", report: report) == [
            "web.json: ok: app /web, 20 instances, strategy marathon (minimumHealthCapacity 0.85, maximumOverCapacity 0.15): keeps 17 healthy, at most 23 running, kills 3 at once",
            "web.json: warning: /colour: unknown app field 'colour' is ignored",
        ])
        #expect(ValidationOutput.marathonBody(report: report) == nil)
    }

    @Test func invalidFileGivesOneLinePerErrorWithDetails() {
        let report = load(#"{"id": "/g", "apps": [{"id": "a", "cmd": "x", "dependencies": ["b"]}, {"id": "b", "cmd": "x", "dependencies": ["a"], "mem": -1}]}"#)
        #expect(ValidationOutput.textLines(file: "g.json", report: report) == [
            "g.json: /apps(1)/mem: got -1.0, expected 0.0 or more",
            "g.json: /: Dependency graph has cyclic dependencies. (cycle: /g/a → /g/b → /g/a)",
        ])
    }

    @Test func groupSummaryNamesTheDeploymentOrder() {
        let report = load(#"{"id": "/g", "apps": [{"id": "a", "cmd": "x", "dependencies": ["b"]}, {"id": "b", "cmd": "x", "instances": 3}, {"id": "c", "cmd": "x"}]}"#)
        #expect(ValidationOutput.textLines(file: "g.json", report: report) ==
                ["g.json: ok: group /g, 3 apps, 5 instances, strategy marathon per app, order /g/b + /g/c → /g/a"])
    }
}
