import Foundation
import Testing

/// `rollwatch run` end to end: output formats, determinism, scenarios and exit codes.
@Suite struct RunCommandTests {
    @Test func seedExampleRunsToDoneAndExitsZero() throws {
        let result = try BinaryRunner.run(["run", "Examples/python-web.json", "--to", "Examples/python-web-v2.json"])
        #expect(result.exitCode == 0)
        #expect(result.lines.first?.hasPrefix("t=0.000 event=deployment_info deployment=") == true)
        #expect(result.lines.last?.contains("event=deployment_success") == true)
        #expect(result.lines.filter { $0.contains("status=TASK_RUNNING") }.count == 20)
        #expect(result.standardError.hasPrefix("deployment done in "))
        #expect(result.lines.allSatisfy { $0.hasPrefix("t=") && $0.contains(" event=") })
    }

    @Test func jsonLinesCarryTheContractFields() throws {
        let result = try BinaryRunner.run(["run", "Examples/python-web.json", "--to", "Examples/python-web-v2.json", "--output", "jsonl"])
        #expect(result.exitCode == 0)
        let objects = try result.lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(objects.allSatisfy { $0["eventType"] is String && $0["timestamp"] is String && $0["t"] is NSNumber })
        let progress = objects.filter { $0["eventType"] as? String == "rollout_progress" }
        #expect(!progress.isEmpty)
        #expect(progress.allSatisfy { ($0["minHealthy"] as? Int) == 17 && ($0["maxCapacity"] as? Int) == 23 && $0["old"] is [String: Int] })
        let staging = try #require(objects.first { $0["taskStatus"] as? String == "TASK_STAGING" })
        #expect(Set(staging.keys).isSuperset(of: ["appId", "instanceId", "version", "host", "taskStatus"]))
        #expect(objects.first?["timestamp"] as? String == "2026-01-01T00:00:00.000Z")
    }

    @Test func sameInputsGiveIdenticalOutput() throws {
        let arguments = ["run", "Examples/shop-group.json", "--output", "jsonl", "--seed", "42"]
        let first = try BinaryRunner.run(arguments), second = try BinaryRunner.run(arguments)
        #expect(first.exitCode == 0)
        #expect(first.standardOutput == second.standardOutput)
        let otherSeed = try BinaryRunner.run(["run", "Examples/shop-group.json", "--output", "jsonl", "--seed", "43"])
        #expect(otherSeed.standardOutput != first.standardOutput)
    }

    @Test func aStalledDeploymentFailsWithExitOneAndSaysWhy() throws {
        let app = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "sleep 1", "instances": 3, "constraints": [["hostname", "UNIQUE"]], "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0.5}}"#)
        let next = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "sleep 2", "instances": 3, "constraints": [["hostname", "UNIQUE"]], "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0.5}}"#, name: "next.json")
        let scenario = try BinaryRunner.temporaryFile(#"{"seed": 3, "agents": [{"hostname": "a1"}, {"hostname": "a2"}, {"hostname": "a3"}]}"#, name: "scenario.json")
        let result = try BinaryRunner.run(["run", app, "--to", next, "--scenario", scenario])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("nothing more can happen; 1 instance cannot be placed (no agent can take it: of 3 agents, 3 break hostname:UNIQUE)"))
    }

    @Test func aMissedProgressDeadlineFailsWithExitOneAndCanRollBack() throws {
        let broken = try BinaryRunner.temporaryFile(#"{"id": "/python-web", "cmd": "sleep 1", "instances": 20, "labels": {"ROLLWATCH_SIM_HEALTHY": "false"}, "healthChecks": [{"gracePeriodSeconds": 10, "intervalSeconds": 2}], "upgradeStrategy": {"minimumHealthCapacity": 0.85, "maximumOverCapacity": 0.15}}"#)
        let failed = try BinaryRunner.run(["run", "Examples/python-web.json", "--to", broken, "--progress-deadline", "60s"])
        #expect(failed.exitCode == 1)
        let last = try #require(failed.lines.last)
        #expect(last.hasPrefix("t=61.000 event=deployment_failed") && last.contains("no progress for 60 s (progress deadline)"))
        #expect(failed.standardError.contains("/python-web has 0 of 20 new instances healthy"))
        let rolledBack = try BinaryRunner.run(["run", "Examples/python-web.json", "--to", broken, "--progress-deadline", "1m", "--auto-rollback"])
        #expect(rolledBack.exitCode == 1)
        #expect(rolledBack.lines.last?.contains("event=deployment_success") == true, "the roll back itself completes")
        #expect(rolledBack.lines.filter { $0.contains("event=deployment_info") }.count == 2)
        #expect(rolledBack.standardError.contains("; rolled back"))
        let usage = try BinaryRunner.run(["run", "Examples/python-web.json", "--auto-rollback"])
        #expect(usage.exitCode == 64 && usage.standardError.contains("--auto-rollback needs --progress-deadline"))
    }

    @Test func aBlueGreenWaitingForPromotionExitsFourOrAsOnPauseSays() throws {
        let arguments = ["run", "Examples/python-web.json", "--to", "Examples/python-web-v2.json", "--strategy", "blue-green:autoPromotion=false"]
        let paused = try BinaryRunner.run(arguments)
        #expect(paused.exitCode == 4)
        #expect(paused.lines.contains { $0.contains("event=deployment_awaiting_promotion") })
        #expect(!paused.lines.contains { $0.contains("status=TASK_KILLING") }, "nothing old stops before the promotion")
        #expect(paused.standardError.contains("waits to be promoted"))
        let promoted = try BinaryRunner.run(arguments + ["--on-pause", "success"])
        #expect(promoted.exitCode == 0 && promoted.lines.contains { $0.contains("event=deployment_traffic_switched") })
        #expect(try BinaryRunner.run(arguments + ["--on-pause", "fail"]).exitCode == 1)
        #expect(try BinaryRunner.run(arguments + ["--on-pause", "wait", "--timeout", "2m"]).exitCode == 3)
    }

    @Test func aCanaryPrintsItsStepsAndAPauseWithoutTimeExitsFour() throws {
        let arguments = ["run", "Examples/python-web.json", "--to", "Examples/python-web-v2.json", "--strategy", "canary:steps=25,pause,100"]
        let paused = try BinaryRunner.run(arguments)
        #expect(paused.exitCode == 4)
        let steps = paused.lines.filter { $0.contains("event=deployment_strategy_step") }
        #expect(steps.count == 2)
        #expect(steps.first?.contains(#"step=1/3 title="setWeight 25" until=- waiting_for="5 new healthy, 15 old left""#) == true)
        #expect(steps.last?.contains(#"step=2/3 title=pause until=- waiting_for="a promotion (>)""#) == true)
        #expect(paused.lines.filter { $0.contains("status=TASK_KILLING") }.count == 5, "a quarter of the old instances went")
        let withDeadline = try BinaryRunner.run(arguments + ["--progress-deadline", "60s"])
        #expect(withDeadline.exitCode == 4, "a pause is no missed deadline: \(withDeadline.standardError)")
        let promoted = try BinaryRunner.run(arguments + ["--on-pause", "success", "--output", "jsonl"])
        #expect(promoted.exitCode == 0)
        let last = try #require(promoted.lines.last { $0.contains("deployment_strategy_step") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(object["stepIndex"] as? Int == 3 && object["totalSteps"] as? Int == 3 && object["step"] as? String == "setWeight 100")
        #expect(object["steps"] as? [String] == ["setWeight 25", "pause", "setWeight 100"])
        #expect(object["until"] is NSNull)
    }

    @Test func aVersionThatNeverTurnsHealthyTimesOutWithExitThree() throws {
        let broken = try BinaryRunner.temporaryFile(#"{"id": "/python-web", "cmd": "sleep 1", "instances": 20, "labels": {"ROLLWATCH_SIM_HEALTHY": "false"}, "healthChecks": [{"gracePeriodSeconds": 10, "intervalSeconds": 2}], "upgradeStrategy": {"minimumHealthCapacity": 0.85, "maximumOverCapacity": 0.15}}"#)
        let result = try BinaryRunner.run(["run", "Examples/python-web.json", "--to", broken, "--timeout", "10m"])
        #expect(result.exitCode == 3)
        #expect(result.standardError.contains("timed out after 600 s of simulated time: /python-web: 0 of 20 new instances healthy, 17 old left"))
        #expect(result.lines.contains { $0.contains("event=unhealthy_instance_kill_event") })
    }

    @Test func scenarioFleetStartsMixed() throws {
        let scenario = try BinaryRunner.temporaryFile(#"{"fleet": [{"version": "current", "count": 15, "state": "running", "healthy": true}, {"version": "target", "count": 5, "state": "running", "healthy": true}]}"#, name: "mixed.json")
        let result = try BinaryRunner.run(["run", "Examples/python-web.json", "--to", "Examples/python-web-v2.json", "--scenario", scenario])
        #expect(result.exitCode == 0)
        #expect(result.lines.filter { $0.contains("status=TASK_RUNNING") }.count == 15, "five instances already run the target")
    }

    @Test func badInputExits64WithFileAndPath() throws {
        let broken = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "x", "instances": -1}"#)
        let result = try BinaryRunner.run(["run", broken])
        #expect(result.exitCode == 64)
        #expect(result.standardError == "\(broken): /instances: got -1, expected 0 or more\n")
        let scenario = try BinaryRunner.temporaryFile(#"{"fleet": [{"version": "next", "count": 1}]}"#, name: "scenario.json")
        let badScenario = try BinaryRunner.run(["run", "Examples/python-web.json", "--scenario", scenario])
        #expect(badScenario.exitCode == 64)
        #expect(badScenario.standardError.contains(#"\#(scenario): /fleet(0)/version: expected "current" (APP.json) or "target" (the --to file)"#))
        let speed = try BinaryRunner.run(["run", "Examples/python-web.json", "--speed", "5000"])
        #expect(speed.exitCode == 64)
    }

    @Test func interruptPausesFlushesAndExits130() throws {
        let process = Process()
        process.executableURL = BinaryRunner.executable
        process.arguments = ["run", "Examples/python-web.json", "--to", "Examples/python-web-v2.json", "--speed", "1"]
        process.currentDirectoryURL = BinaryRunner.packageRoot
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        process.interrupt()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(printed.contains("event=deployment_paused"))
        #expect(printed.contains("event=deployment_info"))
        #expect(complaint.contains("the deployment is paused"))
    }
}
