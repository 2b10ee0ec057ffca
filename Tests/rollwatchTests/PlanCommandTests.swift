import Foundation
import Testing

/// `rollwatch plan` end to end: the prediction, its JSON, and the warnings with fixes.
@Suite struct PlanCommandTests {
    @Test func seedExamplePredictionInJSON() throws {
        let result = try BinaryRunner.run(["plan", "Examples/python-web.json", "--to", "Examples/python-web-v2.json", "--output", "json"])
        #expect(result.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let restart = try #require((object["restarts"] as? [[String: Any]])?.first)
        #expect(restart["app"] as? String == "/python-web")
        #expect(restart["minHealthy"] as? Int == 17 && restart["maxCapacity"] as? Int == 23 && restart["killImmediately"] as? Int == 3)
        let predicted = try #require(object["predicted"] as? [String: Any])
        #expect(predicted["completes"] as? Bool == true)
        #expect(predicted["peakInstances"] as? Int == 23)
        #expect(predicted["lowestHealthy"] as? Int == 17)
        #expect(predicted["reason"] is NSNull)
        #expect((predicted["durationSeconds"] as? Double ?? 0) > 10)
        #expect((object["steps"] as? [Any])?.count == 1)
    }

    @Test func textNamesTheNumbersAndTheWaves() throws {
        let result = try BinaryRunner.run(["plan", "Examples/python-web.json", "--to", "Examples/python-web-v2.json"])
        #expect(result.exitCode == 0)
        #expect(result.lines.contains("restart /python-web: 20 instances, minHealthy 17, maxCapacity 23, killImmediately 3"))
        #expect(result.lines.contains("  waves: 3 killed at t=0.0, then 17 one at a time as new instances turned healthy"))
        #expect(result.lines.last?.hasPrefix("predicted: done in ") == true)
    }

    @Test func uniqueHostnamesWithoutRoomForSurgeGetAFix() throws {
        let app = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "sleep 1", "instances": 4, "constraints": [["hostname", "UNIQUE"]]}"#)
        let next = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "sleep 2", "instances": 4, "constraints": [["hostname", "UNIQUE"]]}"#, name: "next.json")
        let scenario = try BinaryRunner.temporaryFile(#"{"agents": [{"hostname": "a1"}, {"hostname": "a2"}, {"hostname": "a3"}, {"hostname": "a4"}]}"#, name: "four.json")
        let result = try BinaryRunner.run(["plan", app, "--to", next, "--scenario", scenario])
        #expect(result.exitCode == 1)
        #expect(result.lines.contains("warning: 4 new instances of /web cannot be placed: no agent can take it: of 4 agents, 4 break hostname:UNIQUE"))
        #expect(result.lines.contains(#"fix: a hostname:UNIQUE constraint leaves no agent for surge instances: add agents, or set "upgradeStrategy": {"minimumHealthCapacity": 0.75, "maximumOverCapacity": 0} so that an old instance stops before its replacement starts"#))
    }

    @Test func notEnoughResourcesGetAFix() throws {
        let app = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "sleep 1", "instances": 4, "cpus": 2}"#)
        let next = try BinaryRunner.temporaryFile(#"{"id": "/web", "cmd": "sleep 2", "instances": 4, "cpus": 2}"#, name: "next.json")
        let scenario = try BinaryRunner.temporaryFile(#"{"agents": [{"hostname": "a1", "cpus": 4}, {"hostname": "a2", "cpus": 4}]}"#, name: "small.json")
        let result = try BinaryRunner.run(["plan", app, "--to", next, "--scenario", scenario, "--output", "json"])
        #expect(result.exitCode == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let predicted = try #require(object["predicted"] as? [String: Any])
        #expect(predicted["completes"] as? Bool == false)
        #expect((predicted["reason"] as? String)?.contains("2 lack room for 2 cpus, 128 MiB") == true)
        #expect((predicted["fix"] as? String)?.hasPrefix("not enough cpus or mem for the surge (up to 8 instances at once)") == true)
    }

    @Test func aVersionThatNeverTurnsHealthyIsNamed() throws {
        let broken = try BinaryRunner.temporaryFile(#"{"id": "/python-web", "cmd": "sleep 1", "instances": 20, "labels": {"ROLLWATCH_SIM_HEALTHY": "false"}, "healthChecks": [{"gracePeriodSeconds": 10, "intervalSeconds": 2}], "upgradeStrategy": {"minimumHealthCapacity": 0.85, "maximumOverCapacity": 0.15}}"#)
        let result = try BinaryRunner.run(["plan", "Examples/python-web.json", "--to", broken, "--timeout", "5m"])
        #expect(result.exitCode == 1)
        #expect(result.lines.contains { $0.hasPrefix("warning: the new version of /python-web never turns healthy: its instances fail their health checks and are killed (") })
        #expect(result.lines.last?.hasPrefix("fix: fix the version or its health check before deploying") == true)
    }

    @Test func compareRunsTheSameChangeUnderEachStrategyInOneTable() throws {
        let result = try BinaryRunner.run(["plan", "Examples/python-web.json", "--to", "Examples/python-web-v2.json",
                                           "--compare", "all", "kubernetes:maxSurge=0,maxUnavailable=1"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let header = try #require(result.lines.first)
        #expect(header.hasPrefix("strategy") && header.hasSuffix("duration  peak  cpus  mem MiB  lowest healthy  extra capacity needed"))
        func row(_ name: String) -> [String] {
            (result.lines.first { $0.hasPrefix(name + " ") } ?? "").split(separator: " ").map(String.init)
        }
        // Marathon's 0.85 / 0.15 on 20 instances: 23 at the peak, 17 healthy at the lowest, 3 more than before.
        #expect(row("marathon").suffix(10) == ["23", "5.75", "2944", "17", "+3", "instances,", "+0.75", "cpus,", "+384", "MiB"])
        #expect(row("recreate").suffix(5) == ["20", "5", "2560", "0", "none"], "recreate needs nothing extra and goes to 0")
        #expect(row("blue-green").suffix(10).prefix(5) == ["40", "10", "5120", "20", "+20"], "blue-green doubles the fleet")
        #expect(row("kubernetes:maxSurge=0,maxUnavailable=1").suffix(5) == ["20", "5", "2560", "19", "none"])
        #expect(result.lines.contains("canary: canary setWeight 10 → pause 30s → setWeight 50 → pause 30s → setWeight 100 · maxSurge 25% · maxUnavailable 0"))
        // Every strategy of the registry has a row, and the one added by hand.
        #expect(result.lines.prefix { !$0.contains(": ") }.count == 1 + 5 + 1)
    }

    @Test func compareInJSONAndItsMistakes() throws {
        let result = try BinaryRunner.run(["plan", "Examples/python-web.json", "--to", "Examples/python-web-v2.json",
                                           "--compare", "marathon", "canary:steps=50,pause,100", "--output", "json"])
        #expect(result.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let rows = try #require(object["compare"] as? [[String: Any]])
        #expect(rows.map { $0["strategy"] as? String } == ["marathon", "canary:steps=50,pause,100"])
        #expect(rows.allSatisfy { $0["completes"] as? Bool == true })
        #expect(rows.first?["extraInstances"] as? Int == 3 && rows.last?["extraInstances"] as? Int == 5)
        let both = try BinaryRunner.run(["plan", "Examples/python-web.json", "--compare", "marathon", "--strategy", "recreate"])
        #expect(both.exitCode == 64 && both.standardError.contains("--compare and --strategy exclude each other"))
        let bad = try BinaryRunner.run(["plan", "Examples/python-web.json", "--compare", "canary:steps=90,10"])
        #expect(bad.exitCode == 64 && bad.standardError.contains("weights only go up") && bad.standardError.contains("the syntax is"))
    }

    @Test func aCanaryPlanListsItsStepsWithTheirTimes() throws {
        let result = try BinaryRunner.run(["plan", "Examples/python-web.json", "--to", "Examples/python-web-v2.json", "--strategy", "canary:steps=10,50;pause=30s"])
        #expect(result.exitCode == 0)
        let steps = try #require(result.lines.first { $0.hasPrefix("  steps: ") })
        #expect(steps.hasPrefix("  steps: setWeight 10 at t=0.0, pause 30s at t="))
        #expect(steps.contains(", setWeight 100 at t="))
    }
}
