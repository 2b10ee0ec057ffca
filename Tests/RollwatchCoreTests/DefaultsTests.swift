import RollwatchCore
import Testing

/// Marathon's defaults and normalisation (reference/marathon-semantics.md §3–§5).
@Suite struct DefaultsTests {
    @Test func bareAppGetsMarathonsDefaults() throws {
        let report = load(#"{"id": "basic", "cmd": "sleep 1000"}"#)
        let app = try #require(decodedApp(report))
        #expect(report.isValid)
        #expect(app.id == PathId("/basic"))
        #expect(app.instances == 1)
        #expect(app.resources == Resources(cpus: 1, mem: 128, disk: 0, gpus: 0))
        #expect(app.upgradeStrategy == UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 1))
        #expect(app.backoff == BackoffStrategy(backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 300))
        #expect(app.killSelection == .youngestFirst)
        #expect(app.networks == [Network(mode: .host)])
        #expect(app.portDefinitions == [PortDefinition(port: 0, protocol: "tcp", name: "default")])
        #expect(app.requirePorts == false)
        #expect(app.taskKillGracePeriodSeconds == nil)
        #expect(app.healthChecks.isEmpty && app.readinessChecks.isEmpty)
        #expect(!app.hasConfiguredHealthChecks, "without checks a running instance counts as healthy")
        #expect(decodedApp(loadApp(["healthChecks": [[:]]]))?.hasConfiguredHealthChecks == true)
        #expect(decodedApp(loadApp(["check": ["exec": ["command": ["shell": "true"]]]]))?.hasConfiguredHealthChecks == true)
    }

    @Test func healthCheckDefaultsAre300_60_20_3() throws {
        let check = try #require(decodedApp(loadApp(["healthChecks": [[:]]]))?.healthChecks.first)
        #expect(check.protocol == .http)
        #expect(check.gracePeriodSeconds == 300)
        #expect(check.intervalSeconds == 60)
        #expect(check.timeoutSeconds == 20)
        #expect(check.maxConsecutiveFailures == 3)
        #expect(check.delaySeconds == 15)
        #expect(check.ignoreHttp1xx == false)
        #expect(check.portIndex == 0, "one port: portIndex is normalised to 0")
    }

    @Test func healthCheckPathGetsALeadingSlash() throws {
        let check = try #require(decodedApp(loadApp(["healthChecks": [["path": "health"]]]))?.healthChecks.first)
        #expect(check.path == "/health")
    }

    @Test func readinessCheckDefaults() throws {
        let report = loadApp(["portDefinitions": [["name": "http-api"]], "readinessChecks": [[:]]])
        let check = try #require(decodedApp(report)?.readinessChecks.first)
        #expect(report.isValid)
        #expect(check == ReadinessCheck(name: "readinessCheck", protocol: .http, path: "/", portName: "http-api",
                                        intervalSeconds: 30, timeoutSeconds: 10, httpStatusCodesForReady: [200],
                                        preserveLastResponse: false))
    }

    @Test func residentAppDefaultsToHalfAndNoOverCapacity() throws {
        let report = loadApp(["container": ["volumes": [["containerPath": "data", "mode": "RW", "persistent": ["size": 100]]]]])
        let app = try #require(decodedApp(report))
        #expect(report.isValid)
        #expect(app.isResident)
        #expect(app.upgradeStrategy == .resident)
        #expect(app.upgradeStrategy == UpgradeStrategy(minimumHealthCapacity: 0.5, maximumOverCapacity: 0))
    }

    @Test func externalVolumesAlsoDefaultToTheResidentStrategy() throws {
        let report = loadApp(["container": ["volumes": [["containerPath": "/data", "external": ["name": "pgdata", "provider": "dvdi"]]]]])
        let app = try #require(decodedApp(report))
        #expect(report.isValid)
        #expect(!app.isResident)
        #expect(app.upgradeStrategy == .resident)
    }

    @Test func bridgeNetworkingHasNoDefaultPortDefinitions() throws {
        let report = loadApp(["networks": [["mode": "container/bridge"]]])
        #expect(try #require(decodedApp(report)).portDefinitions.isEmpty)
        #expect(report.warnings.isEmpty)
    }

    @Test func dockerContainerTypeIsInferredFromDocker() throws {
        let report = loadApp(["container": ["docker": ["image": "python:3.5"]]])
        let app = try #require(decodedApp(report))
        #expect(app.container?.kind == .docker)
        #expect(app.image == "python:3.5")
    }

    @Test func legacyDockerNetworkAndPortMappingsAreNormalised() throws {
        let report = loadApp(["cmd": .null, "container": ["type": "DOCKER", "docker": [
            "image": "nginx", "network": "BRIDGE", "portMappings": [["containerPort": 80, "hostPort": 0, "name": "http"]]]]])
        let app = try #require(decodedApp(report))
        #expect(report.isValid, "\(errorLines(report))")
        #expect(app.networks == [Network(mode: .containerBridge)])
        #expect(app.container?.portMappings == [PortMapping(containerPort: 80, hostPort: 0, name: "http")])
        #expect(app.portDefinitions.isEmpty)
        #expect(warningLines(report).count == 2)
    }

    @Test func deprecatedPortsBecomePortDefinitions() throws {
        let report = loadApp(["ports": [0, 8080]])
        let app = try #require(decodedApp(report))
        #expect(app.portDefinitions.map(\.port) == [0, 8080])
        #expect(warningLines(report) == ["/ports: 'ports' is deprecated in Marathon: use 'portDefinitions'"])
    }

    @Test func fieldsMarathonKnowsButRollwatchDoesNotUseAreKept() throws {
        let report = loadApp(["fetch": [["uri": "https://example.com/app.tgz", "extract": true]], "user": "nobody",
                              "unreachableStrategy": "disabled", "acceptedResourceRoles": ["*"],
                              "container": ["type": "DOCKER", "docker": ["image": "nginx", "pullConfig": ["secret": "pull"]],
                                            "linuxInfo": ["seccomp": ["unconfined": true]]]])
        let app = try #require(decodedApp(report))
        #expect(app.otherFields["fetch"] == [["uri": "https://example.com/app.tgz", "extract": true]])
        #expect(app.otherFields["unreachableStrategy"] == "disabled")
        #expect(app.otherFields["acceptedResourceRoles"] == ["*"])
        #expect(app.otherFields.keys == ["fetch", "unreachableStrategy", "acceptedResourceRoles"])
        #expect(app.container?.otherFields["linuxInfo"] == ["seccomp": ["unconfined": true]])
        #expect(app.container?.docker?.otherFields["pullConfig"] == ["secret": "pull"])
        #expect(app.user == "nobody")
        #expect(report.warnings.isEmpty)
    }

    @Test func volumeFieldsMarathonKnowsAreKept() throws {
        let report = loadApp(["container": ["volumes": [
            ["containerPath": "data", "persistent": ["size": 10, "type": "mount", "maxSize": 20, "profileName": "ssd"]],
            ["containerPath": "/ext", "external": ["name": "vol", "provider": "dvdi", "options": ["dvdi/driver": "rexray"]]]]],
            "upgradeStrategy": ["minimumHealthCapacity": 0.5, "maximumOverCapacity": 0]])
        let volumes = try #require(decodedApp(report)?.container?.volumes)
        #expect(report.isValid, "\(errorLines(report))")
        #expect(volumes.map(\.otherFields) == [JSONObject(["persistent": ["profileName": "ssd"]]),
                                               JSONObject(["external": ["options": ["dvdi/driver": "rexray"]]])])
    }

    @Test func residencyAloneSelectsTheResidentDefault() throws {
        let report = loadApp(["residency": ["taskLostBehavior": "WAIT_FOREVER"]])
        #expect(try #require(decodedApp(report)).upgradeStrategy == .resident)
    }

    @Test func bridgeNetworkingGetsADefaultPortMapping() throws {
        let app = try #require(decodedApp(loadApp(["networks": [["mode": "container/bridge"]]])))
        #expect(app.container?.portMappings == [PortMapping(containerPort: 0, hostPort: 0, name: "default")])
        #expect(app.portCount == 1)
    }

    @Test func portsGivenForTheWrongNetworkModeAreDroppedWithAWarning() throws {
        let report = loadApp(["container": ["type": "DOCKER", "docker": ["image": "nginx"], "portMappings": [["containerPort": 80]]]])
        #expect(report.isValid)
        #expect(try #require(decodedApp(report)).container?.portMappings.isEmpty == true)
        #expect(warningLines(report) == ["/container/portMappings: port mappings are ignored with host networking, as Marathon drops them; use portDefinitions"])
    }

    @Test func unknownFieldsGetAWarningNamingThem() {
        let report = loadApp(["instnces": 3, "healthChecks": [["protocol": "HTTP", "intervalSecs": 5]], "colour": "blue"])
        #expect(report.isValid)
        #expect(warningLines(report) == [
            "/instnces: unknown app field 'instnces' is ignored; did you mean 'instances'?",
            "/colour: unknown app field 'colour' is ignored",
            "/healthChecks(0)/intervalSecs: unknown health check field 'intervalSecs' is ignored; did you mean 'intervalSeconds'?",
        ])
    }

    @Test func duplicateKeysWarnAndTheLastWins() throws {
        let report = load(#"{"id": "/web", "cmd": "x", "instances": 2, "instances": 5}"#)
        #expect(try #require(decodedApp(report)).instances == 5)
        #expect(warningLines(report) == ["/instances: 'instances' appears more than once; Marathon uses the last value"])
    }

    @Test func appWrappedAsTheAPIReturnsItIsUnwrapped() throws {
        let report = load(#"{"app": {"id": "/web", "cmd": "x", "instances": 3, "tasksRunning": 3, "deployments": []}}"#)
        #expect(report.isValid)
        #expect(try #require(decodedApp(report)).instances == 3)
    }

    @Test func nullMeansAbsent() throws {
        let report = load(#"{"id": "/web", "cmd": "x", "instances": null, "healthChecks": null, "upgradeStrategy": null}"#)
        let app = try #require(decodedApp(report))
        #expect(report.isValid)
        #expect(app.instances == 1)
        #expect(app.upgradeStrategy == .standard)
    }

    @Test func backoffDelayGrowsByTheFactorUpToTheCap() {
        let backoff = BackoffStrategy(backoffSeconds: 1, backoffFactor: 2, maxLaunchDelaySeconds: 10)
        #expect((0...6).map(backoff.delay(afterFailures:)) == [0, 1, 2, 4, 8, 10, 10])
    }

    @Test func kindIsRecognisedWithoutAFlag() {
        #expect(load(#"{"id": "/a", "cmd": "x"}"#).definition?.kind == .app)
        #expect(load(#"{"id": "/g", "apps": []}"#).definition?.kind == .group)
        #expect(load(#"{"id": "/g", "groups": []}"#).definition?.kind == .group)
        #expect(load(#"{"id": "/p", "containers": [{"name": "c", "resources": {"cpus": 0.1, "mem": 32}}]}"#).definition?.kind == .pod)
    }

    @Test func topLevelArrayIsRejectedWithAHint() {
        let report = load(#"[{"id": "/a", "cmd": "x"}]"#)
        #expect(report.definition == nil)
        #expect(errorLines(report) == [#"/: expected an app, group or pod object, got an array; to deploy several apps, put them in a group: {"id": "/my-group", "apps": […]}"#])
    }
}
