import RollwatchCore
import Testing

/// Deployment plans, after Marathon's `DeploymentPlanTest` (reference/marathon-semantics.md §6.1).
@Suite struct DeploymentPlanTests {
    static func groupOf(_ apps: String) throws -> GroupDefinition {
        let report = load(#"{"id": "/test", "apps": [\#(apps)]}"#)
        #expect(report.isValid, "\(errorLines(report))")
        return try #require(decodedGroup(report))
    }

    /// The steps as `[["RestartApplication /test/a"], …]`.
    static func describe(_ plan: DeploymentPlan) -> [[String]] {
        plan.steps.map { step in
            step.actions.map { action in
                var text = "\(action.name) \(action.runSpec.id)"
                if case .scale(_, let instances, _) = action { text += " \(instances)" }
                return text
            }
        }
    }

    @Test func dependenciesAreRestartedFirst() throws {
        let before = try Self.groupOf(#"{"id": "mongo", "cmd": "m1"}, {"id": "service", "cmd": "s1", "dependencies": ["mongo"]}"#)
        let after = try Self.groupOf(#"{"id": "mongo", "cmd": "m2"}, {"id": "service", "cmd": "s2", "dependencies": ["mongo"]}"#)
        #expect(Self.describe(DeploymentPlan(from: before, to: after)) == [["RestartApplication /test/mongo"], ["RestartApplication /test/service"]])
    }

    @Test func independentAppsRestartInOneStep() throws {
        let before = try Self.groupOf(#"{"id": "a", "cmd": "1"}, {"id": "b", "cmd": "1"}"#)
        let after = try Self.groupOf(#"{"id": "a", "cmd": "2"}, {"id": "b", "cmd": "2"}"#)
        #expect(Self.describe(DeploymentPlan(from: before, to: after)) == [["RestartApplication /test/a", "RestartApplication /test/b"]])
    }

    @Test func newAppsAreStartedThenScaled() throws {
        let before = try Self.groupOf("")
        let after = try Self.groupOf(#"{"id": "a", "cmd": "x"}, {"id": "b", "cmd": "x"}, {"id": "c", "cmd": "x", "instances": 3}, {"id": "d", "cmd": "x"}"#)
        #expect(Self.describe(DeploymentPlan(from: before, to: after)) == [
            ["StartApplication /test/a", "StartApplication /test/b", "StartApplication /test/c", "StartApplication /test/d"],
            ["ScaleApplication /test/a 1", "ScaleApplication /test/b 1", "ScaleApplication /test/c 3", "ScaleApplication /test/d 1"],
        ])
    }

    @Test func mixedChangeGivesMarathonsFiveSteps() throws {
        let before = try Self.groupOf(#"""
        {"id": "mongo", "cmd": "m1"}, {"id": "service", "cmd": "s1", "dependencies": ["mongo"]},
        {"id": "independent", "cmd": "i1"}, {"id": "to-stop", "cmd": "x"}
        """#)
        let after = try Self.groupOf(#"""
        {"id": "mongo", "cmd": "m2"}, {"id": "service", "cmd": "s2", "dependencies": ["mongo"]},
        {"id": "independent", "cmd": "i2"}, {"id": "to-start", "cmd": "x", "instances": 2, "dependencies": ["service"]}
        """#)
        #expect(Self.describe(DeploymentPlan(from: before, to: after)) == [
            ["StopApplication /test/to-stop"],
            ["StartApplication /test/to-start"],
            ["RestartApplication /test/independent", "RestartApplication /test/mongo"],
            ["RestartApplication /test/service"],
            ["ScaleApplication /test/to-start 2"],
        ])
    }

    @Test func deletingOnlyStops() throws {
        let plan = DeploymentPlan(from: try Self.groupOf(#"{"id": "a", "cmd": "x"}"#), to: try Self.groupOf(""))
        #expect(Self.describe(plan) == [["StopApplication /test/a"]])
    }

    @Test func unchangedAppNeedsNothingButARestartCanBeForced() throws {
        let group = try Self.groupOf(#"{"id": "a", "cmd": "x", "instances": 3}"#)
        #expect(DeploymentPlan(from: group, to: group).steps.isEmpty)
        #expect(Self.describe(DeploymentPlan(from: group, to: group, restartAll: true)) == [["RestartApplication /test/a"]])
    }

    @Test func sizeOnlyChangesScale() throws {
        let plan = DeploymentPlan(from: try Self.groupOf(#"{"id": "a", "cmd": "x", "instances": 3}"#),
                                  to: try Self.groupOf(#"{"id": "a", "cmd": "x", "instances": 5}"#))
        #expect(Self.describe(plan) == [["ScaleApplication /test/a 5"]])
    }

    @Test func configChangeWithScaleToZeroIsAScale() throws {
        let plan = DeploymentPlan(from: try Self.groupOf(#"{"id": "a", "cmd": "x", "instances": 3}"#),
                                  to: try Self.groupOf(#"{"id": "a", "cmd": "y", "instances": 0}"#))
        #expect(Self.describe(plan) == [["ScaleApplication /test/a 0"]])
    }

    @Test func anyFieldButInstancesIsAnUpgrade() throws {
        let before = try Self.groupOf(#"{"id": "a", "cmd": "x"}"#)
        for change in [#""labels": {"v": "2"}"#, #""env": {"A": "1"}"#, #""fetch": [{"uri": "x"}]"#, #""cpus": 2"#,
                       #""upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.5}"#] {
            let after = try Self.groupOf(#"{"id": "a", "cmd": "x", \#(change)}"#)
            #expect(Self.describe(DeploymentPlan(from: before, to: after)) == [["RestartApplication /test/a"]], "\(change)")
        }
    }

    @Test func podsUsePodActionNamesAndJSON() throws {
        let before = try #require(decodedPod(load(#"{"id": "/p", "containers": [{"name": "c", "exec": {"command": {"shell": "a"}}}]}"#)))
        let after = try #require(decodedPod(load(#"{"id": "/p", "containers": [{"name": "c", "exec": {"command": {"shell": "b"}}}]}"#)))
        let plan = DeploymentPlan(from: GroupDefinition(id: .root, pods: [before]), to: GroupDefinition(id: .root, pods: [after]))
        #expect(JSONWriter.compact(plan.json) == #"{"steps":[{"actions":[{"action":"RestartPod","pod":"/p"}]}]}"#)
    }
}
