/// Reads an app object into an `AppDefinition`: checks each field's JSON type, applies Marathon's defaults and
/// normalisation, and reports every rule Marathon's validators would reject, at Marathon's paths.
enum AppDecoder {
    static let fields = FieldSet(
        used: ["id", "cmd", "args", "user", "container", "networks", "portDefinitions", "ports", "requirePorts",
               "env", "labels", "instances", "cpus", "mem", "disk", "gpus", "constraints", "dependencies",
               "healthChecks", "readinessChecks", "upgradeStrategy", "backoffSeconds", "backoffFactor",
               "maxLaunchDelaySeconds", "killSelection", "taskKillGracePeriodSeconds", "version"],
        kept: Set(["secrets", "acceptedResourceRoles", "executor", "fetch", "tty", "unreachableStrategy", "role",
                   "resourceLimits", "check"] + AppDefinition.statusFields),
        deprecated: ["uris": "use 'fetch' with one {\"uri\": …} per entry",
                     "ipAddress": "use 'networks' with mode 'container'",
                     "residency": "persistent volumes make an app resident",
                     "storeUrls": "it is no longer supported"],
        objectName: "app")

    /// Decodes one app. `group` is the id of the enclosing group (the root for an app file), against which a
    /// relative id is resolved. Inside a group file an app must be a direct child of its group
    /// (`requireDirectChild`); a lone app file may name any absolute id, as a POST to `/v2/apps` may.
    /// Returns nil only when the value is not an object.
    static func decode(_ value: JSONValue, at path: JSONPath, group: PathId, sink: DiagnosticSink,
                       requireDirectChild: Bool = false) -> AppDefinition? {
        guard case .object(let object) = value else {
            sink.shapeError(path, "expected an app object, got \(describe(value))")
            return nil
        }
        let reader = ObjectReader(object, at: path, sink: sink, fields: fields)
        var app = AppDefinition(id: CommonDecoders.readId(reader, relativeTo: group, requireDirectChild: requireDirectChild,
                                                          missing: #"is required: every app needs an id such as "/my-app""#,
                                                          fallback: group.appending("unnamed-app")))
        app.cmd = reader.string("cmd")
        app.args = reader.stringArray("args")
        app.user = reader.string("user")
        app.version = reader.string("version")
        checkCommand(app, reader: reader)

        let secrets = CommonDecoders.secretNames(reader)
        let container = reader.nested("container", fields: ContainerDecoder.fields).map { ContainerDecoder.decode($0, secrets: secrets) }
        app.container = container?.container
        app.networks = NetworkDecoder.decodeNetworks(reader, legacyMode: container?.legacyNetworkMode)
        app.portDefinitions = decodePortDefinitions(reader)
        normalisePorts(&app, reader: reader)
        app.requirePorts = app.usesHostNetworking && (reader.bool("requirePorts") ?? false)
        app.env = CommonDecoders.environment(reader, key: "env", secrets: secrets)
        app.labels = reader.stringMap("labels") ?? [:]
        CommonDecoders.rollwatchLabels(app.labels, at: path, sink: sink)
        app.instances = CommonDecoders.nonNegativeInt(reader, "instances") ?? 1
        app.resources = CommonDecoders.resources(reader, defaults: Resources(), cpusMinimum: 0.001)
        app.constraints = ConstraintDecoder.decodeArrayConstraints(reader)
        app.dependencies = CommonDecoders.dependencies(reader, relativeTo: app.id.parent)
        let healthChecks = (reader.nestedArray("healthChecks", fields: HealthCheckDecoder.fields) ?? [])
            .compactMap { check in HealthCheckDecoder.decode(check).map { (path: check.path, check: $0) } }
        let readinessChecks = (reader.nestedArray("readinessChecks", fields: ReadinessCheckDecoder.fields) ?? [])
            .compactMap { check in ReadinessCheckDecoder.decode(check).map { (path: check.path, check: $0) } }

        let isResidentByDefault = reader.has("residency") || (app.container?.volumes.contains { $0.isPersistent || $0.isExternal } ?? false)
        let strategy = UpgradeStrategyDecoder.decode(reader, key: "upgradeStrategy", defaults: isResidentByDefault ? .resident : .standard,
                                                     bothRequired: true)
        app.upgradeStrategy = strategy?.strategy ?? (isResidentByDefault ? .resident : .standard)
        app.backoff = CommonDecoders.backoff(reader, seconds: "backoffSeconds", factor: "backoffFactor",
                                             maxDelay: "maxLaunchDelaySeconds", factorMinimum: 1, wholeSeconds: true)
        app.killSelection = reader.enumValue("killSelection", as: KillSelection.self) ?? .youngestFirst
        app.taskKillGracePeriodSeconds = CommonDecoders.nonNegativeInt(reader, "taskKillGracePeriodSeconds").map(Double.init)
        app.otherFields = reader.keptFields()

        app.healthChecks = checkHealthChecks(healthChecks, of: app, reader: reader)
        app.readinessChecks = readinessChecks.map(\.check)
        checkReadinessChecks(readinessChecks, of: app, reader: reader)
        checkUpgradeStrategyRules(app, validShares: strategy?.validShares ?? [], reader: reader)
        checkOtherFields(app, reader: reader)
        return app
    }

    /// Marathon's `containsCmdArgsOrContainer`: a command, or arguments, or a container with an image; not both a
    /// command and arguments. Empty arguments count as none.
    private static func checkCommand(_ app: AppDefinition, reader: ObjectReader) {
        let hasCommand = reader.has("cmd"), hasArgs = !(app.args ?? []).isEmpty
        let container = reader.raw("container")?.objectValue
        let hasImage = (container?["docker"].map { !$0.isNull } ?? false) || (container?["appc"].map { !$0.isNull } ?? false)
        if (!hasCommand && !hasArgs && !hasImage) || (hasCommand && hasArgs) {
            reader.sink.error(reader.path, "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
        }
        if let cmd = app.cmd, cmd.isEmpty {
            reader.sink.error(reader.path.appending("cmd"), "must not be an empty string")
        }
    }

    /// `portDefinitions`, or the deprecated `ports` list; nil when neither is given.
    private static func decodePortDefinitions(_ reader: ObjectReader) -> [PortDefinition] {
        let sink = reader.sink
        if let readers = reader.nestedArray("portDefinitions", fields: PortDecoder.portDefinitionFields) {
            if reader.has("ports") { sink.error(reader.path, "cannot specify both ports and port definitions") }
            let definitions = readers.map(PortDecoder.decodePortDefinition)
            let definitionsPath = reader.path.appending("portDefinitions")
            if hasDuplicates(definitions.compactMap(\.name)) { sink.error(definitionsPath, "Port names must be unique.") }
            if hasDuplicates(definitions.map(\.port).filter { $0 != 0 }) { sink.error(definitionsPath, "Ports must be unique.") }
            return definitions
        }
        guard let ports = reader.array("ports") else { return [PortDefinition(port: 0, name: "default")] }
        sink.warning(reader.path.appending("ports"), "'ports' is deprecated in Marathon: use 'portDefinitions'")
        let definitions: [PortDefinition] = ports.enumerated().compactMap { index, value in
            let portPath = reader.path.appending("ports").appending(index)
            guard case .number(let number) = value, let port = number.integerValue else {
                sink.shapeError(portPath, "expected a whole number, got \(describe(value))")
                return nil
            }
            if port < 0 || port > 65535 { sink.error(portPath, Rules.between(port, 0, 65535)) }
            return PortDefinition(port: port)
        }
        if hasDuplicates(definitions.map(\.port).filter { $0 != 0 }) { sink.error(reader.path, "ports must be unique") }
        return definitions
    }

    /// Marathon's `AppNormalization`: port definitions belong to host networking and port mappings to the other
    /// modes; the ones given for the wrong mode are dropped (with a warning here), and bridge or container
    /// networking gets one default port mapping when none is given. Docker joins one container network at most.
    private static func normalisePorts(_ app: inout AppDefinition, reader: ObjectReader) {
        if app.usesHostNetworking {
            if let mappings = app.container?.portMappings, !mappings.isEmpty {
                reader.sink.warning(reader.path.appending("container").appending("portMappings"),
                                    "port mappings are ignored with host networking, as Marathon drops them; use portDefinitions")
                app.container?.portMappings = []
            }
            return
        }
        let given = reader.has("portDefinitions") || reader.has("ports")
        if given && !app.portDefinitions.isEmpty {
            reader.sink.warning(reader.path.appending("portDefinitions"),
                                "port definitions are ignored with \(app.networks[0].mode.rawValue) networking, as Marathon drops them; use container.portMappings")
        }
        app.portDefinitions = []
        if app.container == nil { app.container = Container(kind: .mesos) }
        if app.container?.portMappings.isEmpty == true {
            let bridge = app.networks.contains { $0.mode == .containerBridge }
            app.container?.portMappings = [PortMapping(containerPort: 0, hostPort: bridge ? 0 : nil, name: "default")]
        }
        if app.container?.kind == .docker && app.networks.filter({ $0.mode == .container }).count > 1 {
            reader.sink.error(reader.path, "may only specify a single container network when using the Docker container engine")
        }
    }

    /// Marathon's rules for health check ports: with neither `port` nor `portIndex`, a check of an app that has
    /// ports uses index 0; an index must address one of the app's ports (its port mappings if it has any, else its
    /// port definitions). Also the IPv6 rule and at most one Mesos health check.
    private static func checkHealthChecks(_ checks: [(path: JSONPath, check: HealthCheck)], of app: AppDefinition,
                                          reader: ObjectReader) -> [HealthCheck] {
        let portCount = app.portCount
        let normalised = checks.map { entry -> HealthCheck in
            var check = entry.check
            if check.protocol.needsPort && check.port == nil {
                if check.portIndex == nil && portCount > 0 { check.portIndex = 0 }
                if let index = check.portIndex, !(0...65535).contains(index) {
                    // Already reported as out of range.
                } else if !(0..<portCount).contains(check.portIndex ?? -1) {
                    reader.sink.error(entry.path, check.protocol.isMarathonLevel || check.portIndex != nil
                                      ? "Health check port indices must address an element of the ports array or container port mappings."
                                      : "HealthCheck must specify either a port or a portIndex")
                }
            }
            let mesosHTTPOrTCP = !check.protocol.isMarathonLevel && check.protocol != .command
            if check.ipProtocol == .ipv6 && !(mesosHTTPOrTCP && app.container?.kind == .docker) {
                reader.sink.error(entry.path, "IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks")
            }
            return check
        }
        if normalised.filter({ !$0.protocol.isMarathonLevel && $0.protocol != .command }).count > 1 {
            reader.sink.error(reader.path, "AppDefinition can contain at most one Mesos health check")
        }
        return normalised
    }

    /// At most one readiness check, naming one of the app's ports.
    private static func checkReadinessChecks(_ checks: [(path: JSONPath, check: ReadinessCheck)], of app: AppDefinition,
                                             reader: ObjectReader) {
        if checks.count > 1 {
            reader.sink.error(reader.path.appending("readinessChecks"), Rules.atMost(checks.count, 1))
        }
        let mappings = app.container?.portMappings ?? []
        let portNames = Set(mappings.isEmpty ? app.portDefinitions.compactMap(\.name) : mappings.compactMap(\.name))
        for entry in checks where !portNames.contains(entry.check.portName) {
            reader.sink.error(entry.path.appending("portName"), "No port definition reference for portName \(entry.check.portName)")
        }
    }

    /// Resident apps cannot go over capacity; single-instance apps must stop the old instance first. Only a
    /// strategy the file gives is checked (Marathon's `optional(…)`), and only shares not already out of range.
    private static func checkUpgradeStrategyRules(_ app: AppDefinition, validShares: Set<String>, reader: ObjectReader) {
        let strategyPath = reader.path.appending("upgradeStrategy")
        if app.isSingleInstance && app.instances > 1 {
            reader.sink.error(reader.path, "Single instance app may only have one instance")
        }
        let strategy = app.upgradeStrategy
        if app.isSingleInstance {
            if validShares.contains("minimumHealthCapacity") && strategy.minimumHealthCapacity != 0 {
                reader.sink.error(strategyPath.appending("minimumHealthCapacity"), Rules.equalTo(strategy.minimumHealthCapacity, 0))
            }
            if validShares.contains("maximumOverCapacity") && strategy.maximumOverCapacity != 0 {
                reader.sink.error(strategyPath.appending("maximumOverCapacity"), Rules.equalTo(strategy.maximumOverCapacity, 0))
            }
        } else if app.isResident && validShares.contains("maximumOverCapacity") && strategy.maximumOverCapacity != 0 {
            reader.sink.error(strategyPath.appending("maximumOverCapacity"), Rules.equalTo(strategy.maximumOverCapacity, 0))
        }
    }

    /// Rules on fields rollwatch keeps without using: `uris` with `fetch`, and resident apps' unreachable strategy.
    private static func checkOtherFields(_ app: AppDefinition, reader: ObjectReader) {
        if reader.has("uris") && reader.has("fetch") {
            reader.sink.error(reader.path.appending("uris"), "may not be set in conjunction with fetch")
        }
        if app.isResident, let unreachable = app.otherFields["unreachableStrategy"], unreachable != .string("disabled") {
            reader.sink.error(reader.path, "unreachableStrategy must be disabled for resident tasks")
        }
    }
}
