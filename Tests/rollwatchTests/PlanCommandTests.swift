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
}
