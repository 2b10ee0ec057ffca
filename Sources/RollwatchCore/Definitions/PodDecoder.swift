/// Reads a pod object into a `PodDefinition` with Marathon's defaults and pod validation rules.
enum PodDecoder {
    static let fields = FieldSet(
        used: ["id", "labels", "environment", "user", "containers", "volumes", "networks", "scaling", "scheduling",
               "executorResources", "version"],
        kept: ["secrets", "role", "linuxInfo", "legacySharedCgroups", "status", "instances", "specReference"],
        objectName: "pod")
    static let containerFields = FieldSet(
        used: ["name", "exec", "resources", "endpoints", "image", "healthCheck", "volumeMounts", "environment", "labels",
               "user", "lifecycle"],
        kept: ["artifacts", "tty", "check", "linuxInfo", "resourceLimits"], objectName: "pod container")
    static let resourceFields = FieldSet(used: ["cpus", "mem", "disk", "gpus"], objectName: "resources")
    static let endpointFields = FieldSet(used: ["name", "containerPort", "hostPort", "protocol", "labels", "networkNames"],
                                         objectName: "endpoint")
    static let healthFields = FieldSet(
        used: ["http", "tcp", "exec", "gracePeriodSeconds", "intervalSeconds", "maxConsecutiveFailures", "timeoutSeconds",
               "delaySeconds"], objectName: "pod health check")
    static let volumeFields = FieldSet(used: ["name", "host", "persistent", "secret"], objectName: "pod volume")
    static let schedulingFields = FieldSet(used: ["backoff", "upgrade", "placement", "killSelection"],
                                           kept: ["unreachableStrategy"], objectName: "scheduling")
    static let placementFields = FieldSet(used: ["constraints"], kept: ["acceptedResourceRoles", "regions"], objectName: "placement")
    static let imageFields = FieldSet(used: ["kind", "id", "forcePull"], kept: ["pullConfig"], objectName: "image")
    static let execFields = FieldSet(used: ["command"], kept: ["overrideEntrypoint"], objectName: "exec")
    static let commandFields = FieldSet(used: ["shell", "argv"], objectName: "command")

    /// Decodes one pod. A pod file's id must be absolute (Marathon: "Path needs to be absolute"); a pod inside a
    /// group must be a direct child of it.
    static func decode(_ value: JSONValue, at path: JSONPath, group: PathId, sink: DiagnosticSink,
                       requireDirectChild: Bool = false) -> PodDefinition? {
        guard case .object(let object) = value else {
            sink.shapeError(path, "expected a pod object, got \(describe(value))")
            return nil
        }
        let reader = ObjectReader(object, at: path, sink: sink, fields: fields)
        if !requireDirectChild, let text = reader.string("id"), !text.hasPrefix("/") {
            sink.error(path.appending("id"), "Path needs to be absolute")
        }
        var pod = PodDefinition(id: CommonDecoders.readId(reader, relativeTo: group, requireDirectChild: requireDirectChild,
                                                          missing: #"is required: every pod needs an id such as "/my-pod""#,
                                                          fallback: group.appending("unnamed-pod")))
        let secrets = CommonDecoders.secretNames(reader)
        pod.labels = reader.stringMap("labels") ?? [:]
        CommonDecoders.rollwatchLabels(pod.labels, at: path, sink: sink)
        pod.environment = CommonDecoders.environment(reader, key: "environment", secrets: secrets)
        pod.user = reader.string("user")
        pod.version = reader.string("version")
        if let user = pod.user, user.isEmpty { sink.error(path.appending("user"), "must not be empty") }
        pod.networks = NetworkDecoder.decodeNetworks(reader, legacyMode: nil)
        let hostNetworking = pod.networks.allSatisfy { $0.mode == .host }

        let volumes = (reader.nestedArray("volumes", fields: volumeFields) ?? []).map { (path: $0.path, volume: decodeVolume($0, secrets: secrets)) }
        pod.volumes = volumes.map(\.volume)
        if hasDuplicates(pod.volumes.map(\.name)) { sink.error(path.appending("volumes"), "volume names must be unique") }
        let volumeNames = Set(pod.volumes.map(\.name))
        if let containers = reader.nestedArray("containers", fields: containerFields) {
            pod.containers = containers.map { decodeContainer($0, volumes: volumeNames, secrets: secrets, hostNetworking: hostNetworking) }
        } else if !reader.has("containers") {
            sink.shapeError(path.appending("containers"), "is required: a pod needs at least one container")
        }
        if reader.array("containers")?.isEmpty == true { sink.error(path.appending("containers"), "must not be empty") }
        if hasDuplicates(pod.containers.map(\.name)) { sink.error(path.appending("containers"), "container names must be unique") }
        let endpoints = pod.containers.flatMap(\.endpoints)
        if hasDuplicates(endpoints.map(\.name)) { sink.error(path, "endpoint names must be unique across all containers") }
        if hasDuplicates(endpoints.compactMap(\.containerPort).filter { $0 != 0 }) {
            sink.error(path, "container ports must be unique across all containers")
        }
        if hasDuplicates(endpoints.compactMap(\.hostPort).filter { $0 != 0 }) {
            sink.error(path, "host ports must be unique across all containers")
        }
        let mounted = Set(pod.containers.flatMap(\.volumeMounts).map(\.name))
        for entry in volumes where !mounted.contains(entry.volume.name) {
            sink.error(entry.path, "volume must be referenced by at least one container")
        }

        if let scaling = reader.nested("scaling", fields: FieldSet(used: ["kind", "instances", "maxInstances"], objectName: "scaling")) {
            if let kind = scaling.string("kind"), kind.lowercased() != "fixed" {
                sink.error(scaling.path, "Not a fixed scaling policy")
            }
            pod.instances = CommonDecoders.nonNegativeInt(scaling, "instances") ?? 1
            pod.maxInstances = CommonDecoders.nonNegativeInt(scaling, "maxInstances")
        }
        let isResident = pod.volumes.contains { $0.persistent != nil }
        pod.upgradeStrategy = isResident ? .resident : .standard
        var schedulingKept = JSONObject()
        var validShares = Set<String>()
        if let scheduling = reader.nested("scheduling", fields: schedulingFields) {
            if let backoff = scheduling.nested("backoff", fields: FieldSet(used: ["backoff", "backoffFactor", "maxLaunchDelay"], objectName: "backoff")) {
                pod.backoff = CommonDecoders.backoff(backoff, seconds: "backoff", factor: "backoffFactor", maxDelay: "maxLaunchDelay", factorMinimum: 0, wholeSeconds: false)
            }
            if let upgrade = UpgradeStrategyDecoder.decode(scheduling, key: "upgrade", defaults: .standard, bothRequired: false) {
                pod.upgradeStrategy = upgrade.strategy
                validShares = upgrade.validShares
            }
            var placementKept = JSONObject()
            if let placement = scheduling.nested("placement", fields: placementFields) {
                pod.constraints = ConstraintDecoder.decodeObjectConstraints(placement.nestedArray("constraints", fields: ConstraintDecoder.podFields) ?? [])
                placementKept = placement.keptFields()
            }
            pod.killSelection = scheduling.enumValue("killSelection", as: KillSelection.self) ?? .youngestFirst
            schedulingKept = scheduling.keptFields()
            if !placementKept.isEmpty { schedulingKept["placement"] = .object(placementKept) }
        }
        if isResident && validShares.contains("maximumOverCapacity") && pod.upgradeStrategy.maximumOverCapacity != 0 {
            sink.error(path.appending("scheduling").appending("upgrade").appending("maximumOverCapacity"),
                       Rules.equalTo(pod.upgradeStrategy.maximumOverCapacity, 0))
        }
        if let executor = reader.nested("executorResources", fields: resourceFields) {
            pod.executorResources = CommonDecoders.resources(executor, defaults: pod.executorResources, cpusMinimum: 0)
        }
        pod.otherFields = reader.keptFields()
        if !schedulingKept.isEmpty { pod.otherFields["scheduling"] = .object(schedulingKept) }
        return pod
    }

    /// One container: its command, resources, endpoints (checked against the network mode), image, health check,
    /// volume mounts (which must name a pod volume) and environment.
    private static func decodeContainer(_ reader: ObjectReader, volumes: Set<String>, secrets: Set<String>, hostNetworking: Bool) -> PodContainer {
        let sink = reader.sink, path = reader.path
        let name = reader.string("name") ?? ""
        if !PortDecoder.isValidName(name) {
            sink.error(path.appending("name"), "must fully match regular expression '\(PortDecoder.namePattern)'")
        }
        var container = PodContainer(name: name)
        var kept = reader.keptFields()
        if let exec = reader.nested("exec", fields: execFields) {
            container.command = decodeCommand(exec)
            kept.merge(nestedKept("exec", exec.keptFields()))
        }
        if let resources = reader.nested("resources", fields: resourceFields) {
            container.resources = CommonDecoders.resources(resources, defaults: Resources(), cpusMinimum: 0)
        }
        container.endpoints = (reader.nestedArray("endpoints", fields: endpointFields) ?? []).map { endpoint in
            let endpointName = endpoint.string("name") ?? ""
            if !PortDecoder.isValidName(endpointName) {
                sink.error(endpoint.path.appending("name"), "must fully match regular expression '\(PortDecoder.namePattern)'")
            }
            let containerPort = CommonDecoders.port(endpoint, "containerPort", lower: 1)
            let hostPort = CommonDecoders.port(endpoint, "hostPort")
            if hostNetworking && containerPort != nil {
                sink.error(endpoint.path.appending("containerPort"), "is not allowed when using host-mode networking")
            } else if !hostNetworking && containerPort == nil && !endpoint.has("containerPort") {
                sink.error(endpoint.path.appending("containerPort"), "is required when using container-mode networking")
            }
            let protocols = endpoint.stringArray("protocol") ?? ["tcp"]
            if hasDuplicates(protocols) {
                sink.error(endpoint.path.appending("protocol"), "Duplicate protocols within the same endpoint are not allowed")
            }
            return PodContainer.Endpoint(name: endpointName, containerPort: containerPort, hostPort: hostPort, protocols: protocols,
                                         labels: endpoint.stringMap("labels") ?? [:], networkNames: endpoint.stringArray("networkNames") ?? [])
        }
        if let image = reader.nested("image", fields: imageFields) {
            let kind = image.string("kind") ?? "DOCKER"
            if kind.uppercased() != "DOCKER" { sink.error(image.path.appending("kind"), Rules.oneOf(["DOCKER"])) }
            let id = image.string("id") ?? ""
            if id.isEmpty { sink.error(image.path.appending("id"), "must not be empty") }
            container.image = id
            container.forcePull = image.bool("forcePull") ?? false
            kept.merge(nestedKept("image", image.keptFields()))
        }
        if let health = reader.nested("healthCheck", fields: healthFields) {
            container.healthCheck = decodeHealthCheck(health, endpoints: container.endpoints.map(\.name))
        }
        let mountFields = FieldSet(used: ["name", "mountPath", "readOnly"], objectName: "volume mount")
        container.volumeMounts = (reader.nestedArray("volumeMounts", fields: mountFields) ?? []).map { mount in
            let mountName = mount.string("name") ?? ""
            if !volumes.contains(mountName) {
                sink.error(mount.path.appending("name"), "Referenced Volume in VolumeMount should exist")
            }
            let mountPath = mount.string("mountPath") ?? ""
            if mountPath.isEmpty { sink.error(mount.path.appending("mountPath"), "must not be empty") }
            return PodContainer.VolumeMount(name: mountName, mountPath: mountPath, readOnly: mount.bool("readOnly") ?? false)
        }
        container.environment = CommonDecoders.environment(reader, key: "environment", secrets: secrets)
        container.labels = reader.stringMap("labels") ?? [:]
        container.user = reader.string("user")
        if let lifecycle = reader.nested("lifecycle", fields: FieldSet(used: ["killGracePeriodSeconds"], objectName: "lifecycle")) {
            if let grace = lifecycle.double("killGracePeriodSeconds") {
                if grace <= 0 { sink.error(lifecycle.path.appending("killGracePeriodSeconds"), Rules.greaterThan(Int(grace.rounded(.down)), 0)) }
                container.killGracePeriodSeconds = grace
            }
        }
        container.otherFields = kept
        return container
    }

    /// `{"shell": "…"}` or `{"argv": […]}` under `command`.
    private static func decodeCommand(_ reader: ObjectReader) -> PodContainer.Command? {
        guard let command = reader.nested("command", fields: commandFields) else { return nil }
        switch (command.string("shell"), command.stringArray("argv")) {
        case (let shell?, nil):
            if shell.isEmpty { command.sink.error(command.path.appending("shell"), "must not be empty") }
            return .shell(shell)
        case (nil, let argv?):
            if argv.isEmpty { command.sink.error(command.path.appending("argv"), "must not be empty") }
            return .argv(argv)
        default:
            command.sink.error(command.path, "a command needs exactly one of 'shell' or 'argv'")
            return nil
        }
    }

    /// A container's health check: exactly one of `http`, `tcp` or `exec`; HTTP and TCP name one of the
    /// container's endpoints; the timeout must be below the interval.
    private static func decodeHealthCheck(_ reader: ObjectReader, endpoints: [String]) -> PodHealthCheck? {
        let sink = reader.sink, path = reader.path
        let kinds = ["http", "tcp", "exec"].filter(reader.has)
        guard kinds.count == 1 else {
            sink.error(path, "Only one of http, tcp, or command may be specified")
            return nil
        }
        func endpoint(_ probe: ObjectReader) -> String {
            let name = probe.string("endpoint") ?? ""
            if !endpoints.contains(name) {
                let known = endpoints.isEmpty ? "the container has none" : endpoints.joined(separator: ", ")
                sink.error(probe.path.appending("endpoint"), "is not contained in the container endpoints (\(known))")
            }
            return name
        }
        let probe: PodHealthCheck.Probe
        switch kinds[0] {
        case "http":
            guard let http = reader.nested("http", fields: FieldSet(used: ["endpoint", "path", "scheme"], objectName: "http check")) else { return nil }
            let scheme = (http.string("scheme") ?? "HTTP").uppercased()
            if scheme != "HTTP" && scheme != "HTTPS" { sink.error(http.path.appending("scheme"), Rules.oneOf(["HTTP", "HTTPS"])) }
            probe = .http(endpoint: endpoint(http), path: withLeadingSlash(http.string("path") ?? "/"), scheme: scheme)
        case "tcp":
            guard let tcp = reader.nested("tcp", fields: FieldSet(used: ["endpoint"], objectName: "tcp check")) else { return nil }
            probe = .tcp(endpoint: endpoint(tcp))
        default:
            guard let exec = reader.nested("exec", fields: FieldSet(used: ["command"], objectName: "exec check")),
                  let command = decodeCommand(exec) else { return nil }
            probe = .exec(command: command)
        }
        let timing = CommonDecoders.checkTiming(reader, defaults: HealthCheckTiming(PodHealthCheck(probe: probe)))
        if timing.timeoutSeconds >= timing.intervalSeconds {
            sink.error(path.appending("timeoutSeconds"), Rules.lessThan(Int(timing.timeoutSeconds), Int(timing.intervalSeconds)))
        }
        return PodHealthCheck(probe: probe, gracePeriodSeconds: timing.gracePeriodSeconds, intervalSeconds: timing.intervalSeconds,
                              maxConsecutiveFailures: timing.maxConsecutiveFailures, timeoutSeconds: timing.timeoutSeconds,
                              delaySeconds: timing.delaySeconds)
    }

    /// A pod-level volume: ephemeral, a host folder, a persistent volume or a secret.
    private static func decodeVolume(_ reader: ObjectReader, secrets: Set<String>) -> PodVolume {
        let sink = reader.sink
        let name = reader.string("name") ?? ""
        if !PortDecoder.isValidName(name) {
            sink.error(reader.path.appending("name"), "must fully match regular expression '\(PortDecoder.namePattern)'")
        }
        var volume = PodVolume(name: name, hostPath: reader.string("host"), secret: reader.string("secret"))
        if let secret = volume.secret, !secrets.contains(secret) {
            sink.error(reader.path, "volume.secret must refer to an existing secret")
        }
        if let persistent = reader.nested("persistent", fields: ContainerDecoder.persistentFields) {
            let size = persistent.int("size") ?? 0
            if size <= 0 { sink.error(persistent.path.appending("size"), Rules.greaterThan(size, 0)) }
            volume.persistent = (size, persistent.string("type")?.lowercased() ?? "root")
            volume.otherFields = nestedKept("persistent", persistent.keptFields())
        }
        return volume
    }
}

extension JSONObject {
    /// Adds every member of `other`, replacing members with the same key.
    mutating func merge(_ other: JSONObject) {
        for member in other.members { self[member.key] = member.value }
    }
}
