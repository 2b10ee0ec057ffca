/// Reads an app object into an `AppDefinition`: checks each field's JSON type, applies Marathon's defaults and
/// normalisation, and reports every rule Marathon's validators would reject, at Marathon's paths.
enum AppDecoder {
    static let fields = FieldSet(
        used: ["id", "cmd", "args", "user", "container", "networks", "portDefinitions", "ports", "requirePorts",
               "env", "labels", "instances", "cpus", "mem", "disk", "gpus", "constraints", "dependencies",
               "healthChecks", "readinessChecks", "upgradeStrategy", "backoffSeconds", "backoffFactor",
               "maxLaunchDelaySeconds", "killSelection", "taskKillGracePeriodSeconds", "version"],
        kept: ["secrets", "acceptedResourceRoles", "executor", "fetch", "tty", "unreachableStrategy", "versionInfo", "role",
               "resourceLimits", "check", "tasksStaged", "tasksRunning", "tasksHealthy", "tasksUnhealthy",
               "deployments", "tasks", "lastTaskFailure", "readinessCheckResults", "taskStats", "tasksStats"],
        deprecated: ["uris": "use 'fetch' with one {\"uri\": …} per entry",
                     "ipAddress": "use 'networks' with mode 'container'",
                     "residency": "it has no effect; persistent volumes make an app resident",
                     "storeUrls": "it is no longer supported"],
        objectName: "app")

    /// Decodes one app. `group` is the id of the enclosing group (the root for an app file), against which a
    /// relative id is resolved. Returns nil only when the value is not an object.
    /// Inside a group file an app must be a direct child of its group (`requireDirectChild`); a lone app file may
    /// name any absolute id, as a POST to `/v2/apps` may.
    static func decode(_ value: JSONValue, at path: JSONPath, group: PathId, sink: DiagnosticSink,
                       requireDirectChild: Bool = false) -> AppDefinition? {
        guard case .object(let object) = value else {
            sink.shapeError(path, "expected an app object, got \(describe(value))")
            return nil
        }
        let reader = ObjectReader(object, at: path, sink: sink, fields: fields)
        var app = AppDefinition(id: readId(reader, group: group, kind: "app", requireDirectChild: requireDirectChild))

        app.cmd = reader.string("cmd")
        app.args = reader.stringArray("args")
        app.user = reader.string("user")
        app.version = reader.string("version")
        // Marathon's containsCmdArgsOrContainer: empty args count as none, and a container counts only with an image.
        let hasCommand = reader.has("cmd"), hasArgs = !(app.args ?? []).isEmpty
        let containerObject = reader.raw("container")?.objectValue
        let hasContainer = containerObject.map { ($0["docker"].map { !$0.isNull } ?? false) || ($0["appc"].map { !$0.isNull } ?? false) } ?? false
        if (!hasCommand && !hasArgs && !hasContainer) || (hasCommand && hasArgs) {
            sink.error(path, "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
        }
        if let cmd = app.cmd, cmd.isEmpty {
            sink.error(path.appending("cmd"), "must not be an empty string")
        }

        let legacy = LegacyDocker()
        app.container = reader.nested("container", fields: ContainerDecoder.fields).map {
            ContainerDecoder.decode($0, legacy: legacy)
        }
        app.networks = NetworkDecoder.decodeNetworks(reader, legacyMode: legacy.networkMode)
        app.portDefinitions = decodePortDefinitions(reader, hostNetworking: app.usesHostNetworking)
        app.requirePorts = reader.bool("requirePorts") ?? false
        app.env = decodeEnv(reader, secrets: decodeSecretNames(reader))
        app.labels = reader.stringMap("labels") ?? [:]

        if let instances = reader.int("instances") {
            if instances < 0 { sink.error(path.appending("instances"), Rules.atLeast(instances, 0)) }
            app.instances = instances
        }
        app.resources = decodeResources(reader)
        app.constraints = ConstraintDecoder.decodeArrayConstraints(reader)
        app.dependencies = decodeDependencies(reader, relativeTo: app.id.parent)
        app.healthChecks = reader.nestedArray("healthChecks", fields: HealthCheckDecoder.fields)?
            .compactMap { HealthCheckDecoder.decode($0) } ?? []
        app.readinessChecks = reader.nestedArray("readinessChecks", fields: ReadinessCheckDecoder.fields)?
            .compactMap { ReadinessCheckDecoder.decode($0) } ?? []

        let hasResidentVolumes = app.container?.volumes.contains { $0.isPersistent || $0.isExternal } ?? false
        app.upgradeStrategy = UpgradeStrategyDecoder.decode(reader, key: "upgradeStrategy", bothRequired: true)
            ?? (hasResidentVolumes ? .resident : .standard)
        app.backoff = decodeBackoff(reader)
        app.killSelection = reader.enumValue("killSelection", as: KillSelection.self) ?? .youngestFirst
        if let grace = reader.int("taskKillGracePeriodSeconds") {
            if grace < 0 { sink.error(path.appending("taskKillGracePeriodSeconds"), Rules.atLeast(grace, 0)) }
            app.taskKillGracePeriodSeconds = Double(grace)
        }
        app.otherFields = reader.finish()

        checkPortsAndNetworks(app, reader: reader)
        checkHealthChecks(&app, reader: reader)
        checkReadinessChecks(app, reader: reader)
        checkUpgradeStrategyRules(app, reader: reader)
        return app
    }

    /// Reads, checks and resolves an `id`. Apps, pods and groups share Marathon's id rules.
    static func readId(_ reader: ObjectReader, group: PathId, kind: String, requireDirectChild: Bool) -> PathId {
        let path = reader.path.appending("id")
        guard let text = reader.string("id") else {
            if !reader.has("id") { reader.sink.shapeError(path, "is required: every \(kind) needs an id such as \"/my-\(kind)\"") }
            return group.appending("unnamed-\(kind)")
        }
        PathIdRules.validate(text, at: path, sink: reader.sink)
        let id = PathId(text).canonical(relativeTo: group)
        if id.isRoot {
            reader.sink.error(path, "Path must contain at least one path element")
        } else if requireDirectChild && id.parent != group {
            reader.sink.error(path, "Identifier is not child of '\(group)'")
        }
        return id
    }

    private static func decodeResources(_ reader: ObjectReader) -> Resources {
        var resources = Resources()
        for (key, keyPath, minimum) in [("cpus", \Resources.cpus, 0.001), ("mem", \Resources.mem, 0.0), ("disk", \Resources.disk, 0.0)] {
            if let amount = reader.double(key) {
                if amount < minimum { reader.sink.error(reader.path.appending(key), Rules.atLeast(amount, minimum)) }
                resources[keyPath: keyPath] = amount
            }
        }
        if let gpus = reader.int("gpus") {
            if gpus < 0 { reader.sink.error(reader.path.appending("gpus"), Rules.atLeast(gpus, 0)) }
            resources.gpus = gpus
        }
        return resources
    }

    private static func decodeBackoff(_ reader: ObjectReader) -> BackoffStrategy {
        var backoff = BackoffStrategy()
        if let seconds = reader.int("backoffSeconds") {
            if seconds < 0 { reader.sink.error(reader.path.appending("backoffSeconds"), Rules.atLeast(seconds, 0)) }
            backoff.backoffSeconds = Double(seconds)
        }
        if let factor = reader.double("backoffFactor") {
            if factor < 1 { reader.sink.error(reader.path.appending("backoffFactor"), Rules.atLeast(factor, 1.0)) }
            backoff.backoffFactor = factor
        }
        if let maximum = reader.int("maxLaunchDelaySeconds") {
            if maximum < 0 { reader.sink.error(reader.path.appending("maxLaunchDelaySeconds"), Rules.atLeast(maximum, 0)) }
            backoff.maxLaunchDelaySeconds = Double(maximum)
        }
        return backoff
    }

    /// `portDefinitions`, or the deprecated `ports` list; Marathon's default in host networking is one port
    /// named `default`, and none in bridge or container networking.
    private static func decodePortDefinitions(_ reader: ObjectReader, hostNetworking: Bool) -> [PortDefinition] {
        let sink = reader.sink
        if let readers = reader.nestedArray("portDefinitions", fields: PortDecoder.portDefinitionFields) {
            if reader.has("ports") { sink.error(reader.path, "cannot specify both ports and port definitions") }
            let definitions = readers.map(PortDecoder.decodePortDefinition)
            let definitionsPath = reader.path.appending("portDefinitions")
            PortDecoder.checkUniqueNames(definitions.map(\.name), at: definitionsPath, sink: sink)
            let fixedPorts = definitions.map(\.port).filter { $0 != 0 }
            if Set(fixedPorts).count != fixedPorts.count { sink.error(definitionsPath, "Ports must be unique.") }
            return definitions
        }
        if let ports = reader.array("ports") {
            sink.warning(reader.path.appending("ports"), "'ports' is deprecated in Marathon: use 'portDefinitions'")
            let definitions: [PortDefinition] = ports.enumerated().compactMap { index, value in
                guard case .number(let number) = value, let port = number.integerValue else {
                    sink.shapeError(reader.path.appending("ports").appending(index), "expected a whole number, got \(describe(value))")
                    return nil
                }
                if port < 0 || port > 65535 {
                    sink.error(reader.path.appending("ports").appending(index), Rules.between(port, 0, 65535))
                }
                return PortDefinition(port: port)
            }
            let fixedPorts = definitions.map(\.port).filter { $0 != 0 }
            if Set(fixedPorts).count != fixedPorts.count { sink.error(reader.path, "ports must be unique") }
            return definitions
        }
        return hostNetworking ? [PortDefinition(port: 0, name: "default")] : []
    }

    private static func decodeSecretNames(_ reader: ObjectReader) -> Set<String> {
        guard let secrets = reader.objectValue("secrets") else { return [] }
        var names = Set<String>()
        for member in secrets.members {
            let memberPath = reader.path.appending("secrets").appending(member.key)
            guard case .object(let body) = member.value else {
                reader.sink.shapeError(memberPath, "expected an object such as {\"source\": \"/path/to/secret\"}, got \(describe(member.value))")
                continue
            }
            if case .string(let source)? = body["source"], !source.isEmpty {
                names.insert(member.key)
            } else {
                reader.sink.shapeError(memberPath.appending("source"), "expected the secret's source as a non-empty string")
            }
        }
        return names
    }

    private static func decodeEnv(_ reader: ObjectReader, secrets: Set<String>) -> [String: EnvValue] {
        guard let env = reader.objectValue("env") else { return [:] }
        var result: [String: EnvValue] = [:]
        for member in env.members {
            let memberPath = reader.path.appending("env").appending(member.key)
            switch member.value {
            case .string(let text):
                result[member.key] = .value(text)
            case .object(let reference):
                guard case .string(let secret)? = reference["secret"] else {
                    reader.sink.shapeError(memberPath, "expected a string or a secret reference such as {\"secret\": \"name\"}")
                    continue
                }
                if !secrets.contains(secret) {
                    reader.sink.error(memberPath.appending("secret"), "references an undefined secret")
                }
                result[member.key] = .secret(secret)
            default:
                reader.sink.shapeError(memberPath, "expected a string or a secret reference such as {\"secret\": \"name\"}, got \(describe(member.value))")
            }
        }
        return result
    }

    /// Dependencies as absolute ids: a relative one is resolved against `base` (an app's group, or a group's
    /// own id, as Marathon resolves them).
    static func decodeDependencies(_ reader: ObjectReader, relativeTo base: PathId) -> [PathId] {
        guard let texts = reader.stringArray("dependencies") else { return [] }
        return texts.enumerated().map { index, text in
            let path = reader.path.appending("dependencies").appending(index)
            PathIdRules.validate(text, at: path, sink: reader.sink)
            if PathId(text).segments.isEmpty { reader.sink.error(path, "Path must contain at least one path element") }
            return PathId(text).canonical(relativeTo: base)
        }
    }

    /// Port definitions belong to host networking and port mappings to the others; Docker joins one
    /// container network at most.
    private static func checkPortsAndNetworks(_ app: AppDefinition, reader: ObjectReader) {
        let hasMappings = !(app.container?.portMappings.isEmpty ?? true)
        if app.usesHostNetworking && hasMappings {
            reader.sink.error(reader.path, "portMappings are not allowed with host-networking")
        }
        if !app.usesHostNetworking && !app.portDefinitions.isEmpty {
            reader.sink.error(reader.path, "portDefinitions are only allowed with host-networking")
        }
        if app.container?.kind == .docker && app.networks.filter({ $0.mode == .container }).count > 1 {
            reader.sink.error(reader.path, "may only specify a single container network when using the Docker container engine")
        }
    }

    /// Marathon's normalisation and rules for health check ports: with neither `port` nor `portIndex`, a check
    /// of an app with exactly one port uses index 0; otherwise the index must address one of the app's ports
    /// (its port mappings if it has any, else its port definitions). Also the IPv6 and one-Mesos-check rules.
    private static func checkHealthChecks(_ app: inout AppDefinition, reader: ObjectReader) {
        let path = reader.path, sink = reader.sink
        let portCount = app.portCount
        for index in app.healthChecks.indices {
            let check = app.healthChecks[index]
            let checkPath = path.appending("healthChecks").appending(index)
            if check.protocol.needsPort && check.port == nil {
                if check.portIndex == nil && portCount == 1 {
                    app.healthChecks[index].portIndex = 0
                } else if !(0..<portCount).contains(check.portIndex ?? -1) {
                    sink.error(checkPath, check.protocol.isMarathonLevel || check.portIndex != nil
                               ? "Health check port indices must address an element of the ports array or container port mappings."
                               : "HealthCheck must specify either a port or a portIndex")
                }
            }
            let mesosHTTPOrTCP = !check.protocol.isMarathonLevel && check.protocol != .command
            if check.ipProtocol == HealthCheck.IPProtocol.ipv6.rawValue && !(mesosHTTPOrTCP && app.container?.kind == .docker) {
                sink.error(checkPath, "IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks")
            }
        }
        if app.healthChecks.filter({ !$0.protocol.isMarathonLevel && $0.protocol != .command }).count > 1 {
            sink.error(path, "AppDefinition can contain at most one Mesos health check")
        }
    }

    /// At most one readiness check, naming one of the app's ports, with a timeout below its interval.
    private static func checkReadinessChecks(_ app: AppDefinition, reader: ObjectReader) {
        let path = reader.path.appending("readinessChecks")
        if app.readinessChecks.count > 1 {
            reader.sink.error(path, Rules.atMost(app.readinessChecks.count, 1))
        }
        let mappings = app.container?.portMappings ?? []
        let portNames = Set(mappings.isEmpty ? app.portDefinitions.compactMap(\.name) : mappings.compactMap(\.name))
        for (index, check) in app.readinessChecks.enumerated() where !portNames.contains(check.portName) {
            reader.sink.error(path.appending(index).appending("portName"), "No port definition reference for portName \(check.portName)")
        }
    }

    /// Resident apps cannot go over capacity; single-instance apps must stop the old instance first.
    private static func checkUpgradeStrategyRules(_ app: AppDefinition, reader: ObjectReader) {
        let strategyPath = reader.path.appending("upgradeStrategy")
        let strategy = app.upgradeStrategy
        if app.isSingleInstance {
            if app.instances > 1 { reader.sink.error(reader.path, "Single instance app may only have one instance") }
            if strategy.minimumHealthCapacity != 0 {
                reader.sink.error(strategyPath.appending("minimumHealthCapacity"), Rules.equalTo(strategy.minimumHealthCapacity, 0))
            }
            if strategy.maximumOverCapacity != 0 {
                reader.sink.error(strategyPath.appending("maximumOverCapacity"), Rules.equalTo(strategy.maximumOverCapacity, 0))
            }
        } else if app.isResident && strategy.maximumOverCapacity != 0 {
            reader.sink.error(strategyPath.appending("maximumOverCapacity"), Rules.equalTo(strategy.maximumOverCapacity, 0))
        }
    }
}

/// What a legacy `container.docker.network` asked for, carried from the container reader to the network reader.
final class LegacyDocker {
    var networkMode: Network.Mode?
}
