import RollwatchCore
import Testing

/// Pods: containers, endpoints, scaling and scheduling, with Marathon's defaults and pod rules.
@Suite struct PodTests {
    static let minimalPod = #"{"id": "/pod", "containers": [{"name": "web", "exec": {"command": {"shell": "sleep 1000"}}}]}"#

    @Test func minimalPodGetsDefaults() throws {
        let report = load(Self.minimalPod)
        let pod = try #require(decodedPod(report))
        #expect(report.isValid, "\(errorLines(report))")
        #expect(pod.instances == 1)
        #expect(pod.upgradeStrategy == .standard)
        #expect(pod.backoff == BackoffStrategy(backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 300))
        #expect(pod.executorResources == Resources(cpus: 0.1, mem: 32, disk: 10, gpus: 0))
        #expect(pod.containers.first?.resources == Resources(cpus: 1, mem: 128))
        #expect(pod.containers.first?.command == .shell("sleep 1000"))
        #expect(pod.resources == Resources(cpus: 1.1, mem: 160, disk: 10, gpus: 0))
    }

    @Test func examplePodDecodesFully() throws {
        let report = load(try String(contentsOfFile: packageRoot + "/Examples/web-pod.json", encoding: .utf8))
        let pod = try #require(decodedPod(report))
        #expect(report.isValid, "\(errorLines(report))")
        #expect(pod.instances == 4)
        #expect(pod.containers.map(\.name) == ["web", "log-shipper"])
        #expect(pod.containers[0].endpoints == [PodContainer.Endpoint(name: "http", hostPort: 0)])
        #expect(pod.containers[0].healthCheck == PodHealthCheck(probe: .http(endpoint: "http", path: "/", scheme: "HTTP"),
                                                                gracePeriodSeconds: 15, intervalSeconds: 3,
                                                                maxConsecutiveFailures: 3, timeoutSeconds: 2, delaySeconds: 2))
        #expect(pod.containers[1].volumeMounts == [PodContainer.VolumeMount(name: "logs", mountPath: "/var/log/web", readOnly: true)])
        #expect(pod.constraints == [Constraint(field: "hostname", operator: .unique)])
        #expect(pod.upgradeStrategy == UpgradeStrategy(minimumHealthCapacity: 0.75, maximumOverCapacity: 0.25))
    }

    @Test func nestedFieldsMarathonKnowsAreKept() throws {
        let report = load(#"""
        {"id": "/p", "volumes": [{"name": "data", "persistent": {"size": 10, "profileName": "fast"}}],
         "scheduling": {"unreachableStrategy": "disabled", "placement": {"acceptedResourceRoles": ["*"]}},
         "containers": [{"name": "c", "artifacts": [{"uri": "https://x/a.tgz"}], "image": {"id": "nginx", "pullConfig": {"secret": "s"}},
                         "exec": {"command": {"argv": ["sh", "-c", "a b"]}, "overrideEntrypoint": true},
                         "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
         "secrets": {"s": {"source": "/pull"}}}
        """#)
        let pod = try #require(decodedPod(report))
        #expect(report.isValid, "\(errorLines(report))")
        #expect(pod.otherFields["scheduling"] == ["unreachableStrategy": "disabled", "placement": ["acceptedResourceRoles": ["*"]]])
        #expect(pod.otherFields["secrets"] == ["s": ["source": "/pull"]])
        #expect(pod.volumes[0].otherFields == JSONObject(["persistent": ["profileName": "fast"]]))
        let container = try #require(pod.containers.first)
        #expect(container.otherFields == JSONObject(["artifacts": [["uri": "https://x/a.tgz"]], "exec": ["overrideEntrypoint": true],
                                                     "image": ["pullConfig": ["secret": "s"]]]))
        #expect(container.command == .argv(["sh", "-c", "a b"]))
    }

    @Test func residentPodDefaultsToTheResidentStrategyAndRejectsOverCapacity() throws {
        let resident = #"{"id": "/db", "volumes": [{"name": "data", "persistent": {"size": 100}}], "containers": [{"name": "db", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}"#
        let pod = try #require(decodedPod(load(resident)))
        #expect(pod.isResident)
        #expect(pod.upgradeStrategy == .resident)
        let overCapacity = resident.replacingOccurrences(of: #""containers""#, with: #""scheduling": {"upgrade": {"maximumOverCapacity": 0.1}}, "containers""#)
        #expect(errorLines(load(overCapacity)) == ["/scheduling/upgrade/maximumOverCapacity: got 0.1, expected 0.0"])
    }

    /// Each pod rule with its path and message.
    @Test(arguments: [
        (#"{"id": "/pod", "containers": []}"#, "/containers: must not be empty"),
        (#"{"id": "pod", "containers": [{"name": "a"}]}"#, "/id: Path needs to be absolute"),
        (#"{"id": "/pod", "user": "", "containers": [{"name": "a"}]}"#, "/user: must not be empty"),
        (#"{"id": "/pod", "containers": [{"name": "a"}, {"name": "a"}]}"#, "/containers: container names must be unique"),
        (#"{"id": "/pod", "containers": [{"name": "Web_1"}]}"#, "/containers(0)/name: must fully match regular expression '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"),
        (#"{"id": "/pod", "containers": [{"name": "a", "resources": {"cpus": -1}}]}"#, "/containers(0)/resources/cpus: got -1.0, expected 0.0 or more"),
        (#"{"id": "/pod", "scaling": {"kind": "fixed", "instances": -1}, "containers": [{"name": "a"}]}"#, "/scaling/instances: got -1, expected 0 or more"),
        (#"{"id": "/pod", "scaling": {"kind": "auto"}, "containers": [{"name": "a"}]}"#, "/scaling: Not a fixed scaling policy"),
        (#"{"id": "/pod", "scheduling": {"upgrade": {"minimumHealthCapacity": 1.5}}, "containers": [{"name": "a"}]}"#,
         "/scheduling/upgrade/minimumHealthCapacity: got 1.5, expected 1.0 or less"),
        (#"{"id": "/pod", "scheduling": {"placement": {"constraints": [{"fieldName": "hostname", "operator": "UNIQUE", "value": "x"}]}}, "containers": [{"name": "a"}]}"#,
         "/scheduling/placement/constraints(0): UNIQUE does not accept a value"),
        (#"{"id": "/pod", "containers": [{"name": "a", "endpoints": [{"name": "http"}]}, {"name": "b", "endpoints": [{"name": "http"}]}]}"#,
         "/: endpoint names must be unique across all containers"),
        (#"{"id": "/pod", "containers": [{"name": "a", "endpoints": [{"name": "x", "hostPort": 80}]}, {"name": "b", "endpoints": [{"name": "y", "hostPort": 80}]}]}"#,
         "/: host ports must be unique across all containers"),
        (#"{"id": "/pod", "containers": [{"name": "a", "endpoints": [{"name": "x", "containerPort": 80}]}]}"#,
         "/containers(0)/endpoints(0)/containerPort: is not allowed when using host-mode networking"),
        (#"{"id": "/pod", "networks": [{"mode": "container", "name": "dcos"}], "containers": [{"name": "a", "endpoints": [{"name": "x"}]}]}"#,
         "/containers(0)/endpoints(0)/containerPort: is required when using container-mode networking"),
        (#"{"id": "/pod", "containers": [{"name": "a", "volumeMounts": [{"name": "nope", "mountPath": "/x"}]}]}"#,
         "/containers(0)/volumeMounts(0)/name: Referenced Volume in VolumeMount should exist"),
        (#"{"id": "/pod", "volumes": [{"name": "v"}], "containers": [{"name": "a"}]}"#, "/volumes(0): volume must be referenced by at least one container"),
        (#"{"id": "/pod", "volumes": [{"name": "v"}, {"name": "v"}], "containers": [{"name": "a", "volumeMounts": [{"name": "v", "mountPath": "/v"}]}]}"#,
         "/volumes: volume names must be unique"),
        (#"{"id": "/pod", "containers": [{"name": "a", "healthCheck": {"http": {"endpoint": "x"}, "tcp": {"endpoint": "x"}}}]}"#,
         "/containers(0)/healthCheck: Only one of http, tcp, or command may be specified"),
        (#"{"id": "/pod", "containers": [{"name": "a", "endpoints": [{"name": "web"}], "healthCheck": {"http": {"endpoint": "api"}}}]}"#,
         "/containers(0)/healthCheck/http/endpoint: is not contained in the container endpoints (web)"),
        (#"{"id": "/pod", "containers": [{"name": "a", "endpoints": [{"name": "web"}], "healthCheck": {"tcp": {"endpoint": "web"}, "timeoutSeconds": 20, "intervalSeconds": 10}}]}"#,
         "/containers(0)/healthCheck/timeoutSeconds: got 20, expected less than 10"),
        (#"{"id": "/pod", "containers": [{"name": "a", "exec": {"command": {"shell": "x", "argv": ["x"]}}}]}"#,
         "/containers(0)/exec/command: a command needs exactly one of 'shell' or 'argv'"),
        (#"{"id": "/pod", "containers": [{"name": "a", "image": {"kind": "DOCKER", "id": ""}}]}"#, "/containers(0)/image/id: must not be empty"),
    ])
    func podRuleReportsPathAndMessage(_ json: String, _ expected: String) {
        #expect(errorLines(load(json)) == [expected])
    }
}
