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
        kept: ["artifacts", "tty", "check", "linuxInfo"], objectName: "pod container")
    static let resourceFields = FieldSet(used: ["cpus", "mem", "disk", "gpus"], objectName: "resources")
    static let endpointFields = FieldSet(used: ["name", "containerPort", "hostPort", "protocol", "labels"],
                                         kept: ["networkNames"], objectName: "endpoint")
    static let healthFields = FieldSet(
        used: ["http", "tcp", "exec", "gracePeriodSeconds", "intervalSeconds", "maxConsecutiveFailures", "timeoutSeconds",
               "delaySeconds"], objectName: "pod health check")
    static let volumeFields = FieldSet(used: ["name", "host", "persistent", "secret"], objectName: "pod volume")
    static let schedulingFields = FieldSet(used: ["backoff", "upgrade", "placement", "killSelection"],
                                           kept: ["unreachableStrategy"], objectName: "scheduling")

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
        var pod = PodDefinition(id: AppDecoder.readId(reader, group: group, kind: "pod", requireDirectChild: requireDirectChild))
        pod.labels = reader.stringMap("labels") ?? [:]
        pod.environment = decodeEnvironment(reader, key: "environment")
        pod.user = reader.string("user")
        pod.version = reader.string("version")
        if let user = pod.user, user.isEmpty { sink.error(path.appending("user"), "must not be empty") }
        pod.networks = NetworkDecoder.decodeNetworks(reader, legacyMode: nil)
        let hostNetworking = pod.networks.allSatisfy { $0.mode == .host }
        pod.volumes = reader.nestedArray("volumes", fields: volumeFields)?.compactMap(decodeVolume) ?? []
        if hasDuplicates(pod.volumes.map(\.name)) { sink.error(path.appending("volumes"), "volume names must be unique") }

        if let containers = reader.nestedArray("containers", fields: containerFields) {
            let volumeNames = Set(pod.volumes.map(\.name))
            pod.containers = containers.compactMap { decodeContainer($0, volumes: volumeNames, hostNetworking: hostNetworking) }
            if containers.isEmpty { sink.error(path.appending("containers"), "must not be empty") }
        } else if !reader.has("containers") {
            sink.shapeError(path.appending("containers"), "is required: a pod needs at least one container")
        }
        if hasDuplicates(pod.containers.map(\.name)) { sink.error(path.appending("containers"), "container names must be unique") }
        let endpoints = pod.containers.flatMap(\.endpoints)
        if hasDuplicates(endpoints.map(\.name)) { sink.error(path, "endpoint names must be unique across all containers") }
        if hasDuplicates(endpoints.compactMap(\.containerPort).filter { $0 != 0 }.map(String.init)) {
            sink.error(path, "container ports must be unique across all containers")
        }
        if hasDuplicates(endpoints.compactMap(\.hostPort).filter { $0 != 0 }.map(String.init)) {
            sink.error(path, "host ports must be unique across all containers")
        }
        let mounted = Set(pod.containers.flatMap(\.volumeMounts).map(\.name))
        for (index, volume) in pod.volumes.enumerated() where !mounted.contains(volume.name) {
            sink.error(path.appending("volumes").appending(index), "volume must be referenced by at least one container")
        }

        if let scaling = reader.nested("scaling", fields: FieldSet(used: ["kind", "instances", "maxInstances"], objectName: "scaling")) {
            if let kind = scaling.string("kind"), kind.lowercased() != "fixed" {
                sink.error(scaling.path, "Not a fixed scaling policy")
            }
            if let instances = scaling.int("instances") {
                if instances < 0 { sink.error(scaling.path.appending("instances"), Rules.atLeast(instances, 0)) }
                pod.instances = instances
            }
            if let maximum = scaling.int("maxInstances") {
                if maximum < pod.instances { sink.error(scaling.path.appending("maxInstances"), Rules.atLeast(maximum, pod.instances)) }
                pod.maxInstances = maximum
            }
            scaling.finish()
        }
        var explicitUpgrade: UpgradeStrategy?
        if let scheduling = reader.nested("scheduling", fields: schedulingFields) {
            if let backoff = scheduling.nested("backoff", fields: FieldSet(used: ["backoff", "backoffFactor", "maxLaunchDelay"], objectName: "backoff")) {
                if let seconds = backoff.double("backoff") {
                    if seconds < 0 { sink.error(backoff.path.appending("backoff"), Rules.atLeast(seconds, 0.0)) }
                    pod.backoff.backoffSeconds = seconds
                }
                if let factor = backoff.double("backoffFactor") {
                    if factor < 1 { sink.error(backoff.path.appending("backoffFactor"), Rules.atLeast(factor, 1.0)) }
                    pod.backoff.backoffFactor = factor
                }
                if let maximum = backoff.double("maxLaunchDelay") {
                    if maximum < 0 { sink.error(backoff.path.appending("maxLaunchDelay"), Rules.atLeast(maximum, 0.0)) }
                    pod.backoff.maxLaunchDelaySeconds = maximum
                }
                backoff.finish()
            }
            explicitUpgrade = UpgradeStrategyDecoder.decode(scheduling, key: "upgrade", bothRequired: false)
            if let placement = scheduling.nested("placement", fields: FieldSet(used: ["constraints"], kept: ["acceptedResourceRoles", "regions"], objectName: "placement")) {
                pod.constraints = ConstraintDecoder.decodeObjectConstraints(placement.nestedArray("constraints", fields: ConstraintDecoder.podFields) ?? [])
                placement.finish()
            }
            pod.killSelection = scheduling.enumValue("killSelection", as: KillSelection.self) ?? .youngestFirst
            scheduling.finish()
        }
        pod.upgradeStrategy = explicitUpgrade ?? (pod.isResident ? .resident : .standard)
        if pod.isResident && pod.upgradeStrategy.maximumOverCapacity != 0 {
            sink.error(path.appending("scheduling").appending("upgrade").appending("maximumOverCapacity"),
                       Rules.equalTo(pod.upgradeStrategy.maximumOverCapacity, 0))
        }
        if let executor = reader.nested("executorResources", fields: resourceFields) {
            pod.executorResources = decodeResources(executor, defaults: pod.executorResources)
        }
        pod.otherFields = reader.finish()
        return pod
    }

    private static func decodeContainer(_ reader: ObjectReader, volumes: Set<String>, hostNetworking: Bool) -> PodContainer? {
        let sink = reader.sink, path = reader.path
        defer { reader.finish() }
        let name = reader.string("name") ?? ""
        if !PortDecoder.isValidName(name) {
            sink.error(path.appending("name"), "must fully match regular expression '\(PortDecoder.namePattern)'")
        }
        var container = PodContainer(name: name)
        if let exec = reader.nested("exec", fields: FieldSet(used: ["command"], kept: ["overrideEntrypoint"], objectName: "exec")) {
            container.command = decodeCommand(exec)
            exec.finish()
        }
        if let resources = reader.nested("resources", fields: resourceFields) {
            container.resources = decodeResources(resources, defaults: Resources())
        }
        container.endpoints = reader.nestedArray("endpoints", fields: endpointFields)?.compactMap { endpoint in
            defer { endpoint.finish() }
            let endpointName = endpoint.string("name") ?? ""
            if endpointName.isEmpty { sink.error(endpoint.path.appending("name"), "must not be empty") }
            let containerPort = endpoint.int("containerPort"), hostPort = endpoint.int("hostPort")
            if let containerPort, containerPort < 1 || containerPort > 65535 {
                sink.error(endpoint.path.appending("containerPort"), Rules.between(containerPort, 1, 65535))
            }
            if let hostPort, hostPort < 0 || hostPort > 65535 {
                sink.error(endpoint.path.appending("hostPort"), Rules.between(hostPort, 0, 65535))
            }
            if hostNetworking && containerPort != nil {
                sink.error(endpoint.path.appending("containerPort"), "is not allowed when using host-mode networking")
            } else if !hostNetworking && containerPort == nil {
                sink.error(endpoint.path.appending("containerPort"), "is required when using container-mode networking")
            }
            let protocols = endpoint.stringArray("protocol") ?? ["tcp"]
            if hasDuplicates(protocols) {
                sink.error(endpoint.path.appending("protocol"), "Duplicate protocols within the same endpoint are not allowed")
            }
            return PodContainer.Endpoint(name: endpointName, containerPort: containerPort, hostPort: hostPort,
                                         protocols: protocols,
                                         labels: endpoint.stringMap("labels") ?? [:])
        } ?? []
        if let image = reader.nested("image", fields: FieldSet(used: ["kind", "id", "forcePull"], kept: ["pullConfig"], objectName: "image")) {
            let kind = image.string("kind") ?? "DOCKER"
            if kind.uppercased() != "DOCKER" { sink.error(image.path.appending("kind"), Rules.oneOf(["DOCKER"])) }
            let id = image.string("id") ?? ""
            if id.isEmpty { sink.error(image.path.appending("id"), "must not be empty") }
            container.image = id
            container.forcePull = image.bool("forcePull") ?? false
            image.finish()
        }
        if let health = reader.nested("healthCheck", fields: healthFields) {
            container.healthCheck = decodeHealthCheck(health)
            if let probe = container.healthCheck?.probe, let endpoint = probe.endpoint,
               !container.endpoints.contains(where: { $0.name == endpoint }) {
                let kind = if case .http = probe { "http" } else { "tcp" }
                let names = container.endpoints.map(\.name).joined(separator: ", ")
                sink.error(health.path.appending(kind).appending("endpoint"),
                           "is not contained in the container endpoints" + (names.isEmpty ? " (the container has none)" : " (\(names))"))
            }
        }
        container.volumeMounts = reader.nestedArray("volumeMounts", fields: FieldSet(used: ["name", "mountPath", "readOnly"], objectName: "volume mount"))?.compactMap { mount in
            defer { mount.finish() }
            let mountName = mount.string("name") ?? ""
            if !volumes.contains(mountName) {
                sink.error(mount.path.appending("name"), "Referenced Volume in VolumeMount should exist")
            }
            let mountPath = mount.string("mountPath") ?? ""
            if mountPath.isEmpty { sink.error(mount.path.appending("mountPath"), "must not be empty") }
            return PodContainer.VolumeMount(name: mountName, mountPath: mountPath, readOnly: mount.bool("readOnly") ?? false)
        } ?? []
        container.environment = decodeEnvironment(reader, key: "environment")
        container.labels = reader.stringMap("labels") ?? [:]
        container.user = reader.string("user")
        if let lifecycle = reader.nested("lifecycle", fields: FieldSet(used: ["killGracePeriodSeconds"], objectName: "lifecycle")) {
            if let grace = lifecycle.double("killGracePeriodSeconds") {
                if grace <= 0 { sink.error(lifecycle.path.appending("killGracePeriodSeconds"), Rules.greaterThan(grace, 0)) }
                container.killGracePeriodSeconds = grace
            }
            lifecycle.finish()
        }
        container.otherFields = JSONObject()
        return container
    }

    /// `{"shell": "…"}` or `{"argv": […]}` under `command`.
    private static func decodeCommand(_ reader: ObjectReader) -> PodContainer.Command? {
        guard let command = reader.nested("command", fields: FieldSet(used: ["shell", "argv"], objectName: "command")) else { return nil }
        defer { command.finish() }
        switch (command.string("shell"), command.stringArray("argv")) {
        case (let shell?, nil): return .shell(shell)
        case (nil, let argv?): return .argv(argv)
        default:
            command.sink.error(command.path, "a command needs exactly one of 'shell' or 'argv'")
            return nil
        }
    }

    private static func decodeHealthCheck(_ reader: ObjectReader) -> PodHealthCheck? {
        let sink = reader.sink, path = reader.path
        defer { reader.finish() }
        let kinds = ["http", "tcp", "exec"].filter(reader.has)
        guard kinds.count == 1 else {
            sink.error(path, "Only one of http, tcp, or command may be specified")
            return nil
        }
        let probe: PodHealthCheck.Probe
        switch kinds[0] {
        case "http":
            guard let http = reader.nested("http", fields: FieldSet(used: ["endpoint", "path", "scheme"], objectName: "http check")) else { return nil }
            defer { http.finish() }
            let scheme = (http.string("scheme") ?? "HTTP").uppercased()
            if scheme != "HTTP" && scheme != "HTTPS" { sink.error(http.path.appending("scheme"), Rules.oneOf(["HTTP", "HTTPS"])) }
            let checkPath = http.string("path") ?? "/"
            probe = .http(endpoint: http.string("endpoint") ?? "", path: checkPath.hasPrefix("/") ? checkPath : "/" + checkPath, scheme: scheme)
        case "tcp":
            guard let tcp = reader.nested("tcp", fields: FieldSet(used: ["endpoint"], objectName: "tcp check")) else { return nil }
            defer { tcp.finish() }
            probe = .tcp(endpoint: tcp.string("endpoint") ?? "")
        default:
            guard let exec = reader.nested("exec", fields: FieldSet(used: ["command"], objectName: "exec check")) else { return nil }
            defer { exec.finish() }
            switch decodeCommand(exec) {
            case .shell(let shell)?: probe = .exec(command: shell)
            case .argv(let argv)?: probe = .exec(command: argv.joined(separator: " "))
            case nil: return nil
            }
        }
        var check = PodHealthCheck(probe: probe)
        for (key, keyPath) in [("gracePeriodSeconds", \PodHealthCheck.gracePeriodSeconds), ("intervalSeconds", \PodHealthCheck.intervalSeconds),
                               ("timeoutSeconds", \PodHealthCheck.timeoutSeconds), ("delaySeconds", \PodHealthCheck.delaySeconds)] {
            if let seconds = reader.int(key) {
                if seconds < 0 { sink.error(path.appending(key), Rules.atLeast(seconds, 0)) }
                check[keyPath: keyPath] = Double(seconds)
            }
        }
        if check.timeoutSeconds >= check.intervalSeconds {
            sink.error(path.appending("timeoutSeconds"), Rules.lessThan(Int(check.timeoutSeconds), Int(check.intervalSeconds)))
        }
        if let failures = reader.int("maxConsecutiveFailures") {
            if failures < 0 { sink.error(path.appending("maxConsecutiveFailures"), Rules.atLeast(failures, 0)) }
            check.maxConsecutiveFailures = failures
        }
        return check
    }

    private static func decodeVolume(_ reader: ObjectReader) -> PodVolume? {
        let sink = reader.sink
        defer { reader.finish() }
        let name = reader.string("name") ?? ""
        if name.isEmpty { sink.error(reader.path.appending("name"), "must not be empty") }
        var volume = PodVolume(name: name, hostPath: reader.string("host"), secret: reader.string("secret"))
        if let persistent = reader.nested("persistent", fields: ContainerDecoder.persistentFields) {
            defer { persistent.finish() }
            let size = persistent.int("size") ?? 0
            if size <= 0 { sink.error(persistent.path.appending("size"), "got \(size), expected more than 0") }
            volume.persistent = (size, persistent.string("type") ?? "root")
        }
        return volume
    }

    private static func decodeResources(_ reader: ObjectReader, defaults: Resources) -> Resources {
        defer { reader.finish() }
        var resources = defaults
        for (key, keyPath) in [("cpus", \Resources.cpus), ("mem", \Resources.mem), ("disk", \Resources.disk)] {
            if let amount = reader.double(key) {
                if amount < 0 { reader.sink.error(reader.path.appending(key), Rules.atLeast(amount, 0.0)) }
                resources[keyPath: keyPath] = amount
            }
        }
        if let gpus = reader.int("gpus") {
            if gpus < 0 { reader.sink.error(reader.path.appending("gpus"), Rules.atLeast(gpus, 0)) }
            resources.gpus = gpus
        }
        return resources
    }

    private static func decodeEnvironment(_ reader: ObjectReader, key: String) -> [String: EnvValue] {
        guard let environment = reader.objectValue(key) else { return [:] }
        var result: [String: EnvValue] = [:]
        for member in environment.members {
            switch member.value {
            case .string(let text): result[member.key] = .value(text)
            case .object(let reference):
                if case .string(let secret)? = reference["secret"] {
                    result[member.key] = .secret(secret)
                } else {
                    reader.sink.shapeError(reader.path.appending(key).appending(member.key), "expected a string or {\"secret\": \"name\"}")
                }
            default:
                reader.sink.shapeError(reader.path.appending(key).appending(member.key), "expected a string, got \(describe(member.value))")
            }
        }
        return result
    }

    private static func hasDuplicates(_ values: [String]) -> Bool {
        Set(values).count != values.count
    }
}
