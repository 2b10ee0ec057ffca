/// Reads `container`, with Docker images, port mappings and volumes, and Marathon's legacy Docker fields.
enum ContainerDecoder {
    static let fields = FieldSet(used: ["type", "docker", "portMappings", "volumes"],
                                 kept: ["linuxInfo"],
                                 deprecated: ["appc": "AppC images are no longer supported; use 'docker'"],
                                 objectName: "container")
    static let dockerFields = FieldSet(used: ["image", "forcePullImage", "privileged", "parameters", "network", "portMappings"],
                                       kept: ["pullConfig", "credential"], objectName: "docker")
    static let parameterFields = FieldSet(used: ["key", "value"], objectName: "docker parameter")
    static let volumeFields = FieldSet(used: ["containerPath", "mode", "hostPath", "persistent", "external", "secret"],
                                       objectName: "volume")
    static let persistentFields = FieldSet(used: ["type", "size", "maxSize"], kept: ["profileName", "constraints"],
                                           objectName: "persistent volume")
    static let externalFields = FieldSet(used: ["name", "provider", "size"], kept: ["options", "shared"],
                                         objectName: "external volume")

    /// What reading a container gives: the container, and the network mode a legacy `docker.network` asked for.
    struct Decoded {
        var container: Container
        var legacyNetworkMode: Network.Mode?
    }

    /// Reads the container; `secrets` are the app's secret names, which secret volumes must use.
    static func decode(_ reader: ObjectReader, secrets: Set<String>) -> Decoded {
        let sink = reader.sink
        var container = Container(kind: reader.has("docker") ? .docker : .mesos)
        var legacyNetworkMode: Network.Mode?
        if let kind = reader.enumValue("type", as: Container.Kind.self) { container.kind = kind }
        var legacyMappings: [PortMapping]?
        if let docker = reader.nested("docker", fields: dockerFields) {
            let image = docker.string("image") ?? ""
            if image.isEmpty { sink.error(docker.path.appending("image"), "must not be empty") }
            let parameters: [DockerImage.Parameter] = docker.nestedArray("parameters", fields: parameterFields)?.compactMap { parameter in
                guard let key = parameter.string("key"), let value = parameter.string("value") else {
                    if !parameter.has("key") || !parameter.has("value") {
                        sink.shapeError(parameter.path, #"expected {"key": …, "value": …}"#)
                    }
                    return nil
                }
                return DockerImage.Parameter(key: key, value: value)
            } ?? []
            if let network = docker.string("network") {
                switch network.uppercased() {
                case "HOST", "NONE": legacyNetworkMode = .host
                case "BRIDGE": legacyNetworkMode = .containerBridge
                case "USER": legacyNetworkMode = .container
                default: sink.error(docker.path.appending("network"), Rules.oneOf(["HOST", "BRIDGE", "USER", "NONE"]))
                }
                sink.warning(docker.path.appending("network"), "'network' under 'docker' is deprecated in Marathon: use the app's 'networks'")
            }
            if docker.has("portMappings") {
                sink.warning(docker.path.appending("portMappings"), "'portMappings' under 'docker' are deprecated in Marathon: move them to 'container'")
                legacyMappings = docker.nestedArray("portMappings", fields: PortDecoder.portMappingFields)?.map(PortDecoder.decodePortMapping)
            }
            container.docker = DockerImage(image: image, forcePullImage: docker.bool("forcePullImage") ?? false,
                                           privileged: docker.bool("privileged") ?? false, parameters: parameters,
                                           otherFields: docker.keptFields())
        } else if container.kind == .docker {
            sink.error(reader.path.appending("docker"), "not defined")
        }
        let mappings = reader.nestedArray("portMappings", fields: PortDecoder.portMappingFields)?.map(PortDecoder.decodePortMapping)
        if mappings != nil && legacyMappings != nil {
            sink.error(reader.path.appending("portMappings"), "portMappings are given both in 'container' and in 'container.docker'; keep only the ones in 'container'")
        }
        container.portMappings = mappings ?? legacyMappings ?? []
        if hasDuplicates(container.portMappings.compactMap(\.name)) {
            sink.error(reader.path.appending("portMappings"), "Port names must be unique.")
        }
        container.volumes = reader.nestedArray("volumes", fields: volumeFields)?.compactMap { decodeVolume($0, secrets: secrets) } ?? []
        let externalNames = container.volumes.compactMap { volume -> String? in
            if case .external(let name, _, _) = volume.source { return name }
            return nil
        }
        if hasDuplicates(externalNames) { sink.error(reader.path.appending("volumes"), "Volume names must be unique") }
        container.otherFields = reader.keptFields()
        return Decoded(container: container, legacyNetworkMode: legacyNetworkMode)
    }

    /// One volume: exactly one of a host path, a persistent or external volume, or a secret, with each kind's rules.
    /// Returns nil when the kind cannot be told.
    private static func decodeVolume(_ reader: ObjectReader, secrets: Set<String>) -> Volume? {
        let sink = reader.sink
        let containerPath = reader.string("containerPath") ?? ""
        let modeText = reader.string("mode")?.uppercased() ?? "RW"
        let modeIsValid = modeText == "RW" || modeText == "RO"
        if !modeIsValid { sink.error(reader.path.appending("mode"), Rules.oneOf(["RW", "RO"])) }
        let sources = ["hostPath", "persistent", "external", "secret"].filter(reader.has)
        guard sources.count == 1 else {
            sink.error(reader.path, sources.isEmpty
                       ? "Unknown app volume type: give one of 'hostPath', 'persistent', 'external' or 'secret'"
                       : "a volume has exactly one of 'hostPath', 'persistent', 'external' or 'secret', got \(sources.joined(separator: ", "))")
            return nil
        }
        switch sources[0] {
        case "hostPath":
            let hostPath = reader.string("hostPath") ?? ""
            if containerPath.isEmpty { sink.error(reader.path.appending("containerPath"), "must not be empty") }
            if hostPath.isEmpty { sink.error(reader.path.appending("hostPath"), "must not be empty") }
            return Volume(containerPath: containerPath, mode: modeText, source: .host(path: hostPath))
        case "persistent":
            guard let persistent = reader.nested("persistent", fields: persistentFields) else { return nil }
            let size = persistent.int("size")
            if size == nil && !persistent.has("size") {
                sink.shapeError(persistent.path.appending("size"), "is required: the volume's size in MiB")
            } else if let size, size <= 0 {
                sink.error(persistent.path.appending("size"), Rules.greaterThan(size, 0))
            }
            let type = persistent.string("type")?.lowercased() ?? "root"
            if !["root", "path", "mount"].contains(type) { sink.error(persistent.path.appending("type"), Rules.oneOf(["root", "path", "mount"])) }
            if containerPath.isEmpty {
                sink.error(reader.path.appending("containerPath"), "equals ")
            } else if containerPath == "." || containerPath == ".." {
                sink.error(reader.path.appending("containerPath"), "can not be one of (.,..)")
            } else if containerPath.contains("/") {
                sink.error(reader.path.appending("containerPath"), #"value must not contain "/""#)
            }
            if modeIsValid && modeText != "RW" { sink.error(reader.path.appending("mode"), "does not equal RW") }
            let maxSize = persistent.int("maxSize")
            if let maxSize {
                if type != "mount" { sink.error(persistent.path, "Only mount volumes can have maxSize") }
                if let size, maxSize <= size { sink.error(persistent.path, "Max size must be larger than size") }
            }
            if type == "root", persistent.raw("constraints")?.arrayValue?.isEmpty == false {
                sink.error(persistent.path, "Constraints on root volumes are not supported")
            }
            return Volume(containerPath: containerPath, mode: modeText,
                          source: .persistent(sizeMiB: max(size ?? 0, 0), type: type, maxSizeMiB: maxSize),
                          otherFields: nestedKept("persistent", persistent.keptFields()))
        case "external":
            guard let external = reader.nested("external", fields: externalFields) else { return nil }
            if containerPath.isEmpty { sink.error(reader.path.appending("containerPath"), "must not be empty") }
            let name = external.string("name") ?? ""
            if name.isEmpty { sink.error(external.path.appending("name"), "not defined") }
            let provider = external.string("provider") ?? ""
            if provider.isEmpty { sink.error(external.path.appending("provider"), "not defined") }
            return Volume(containerPath: containerPath, mode: modeText,
                          source: .external(name: name, provider: provider, sizeGiB: external.int("size")),
                          otherFields: nestedKept("external", external.keptFields()))
        default:
            if containerPath.isEmpty { sink.error(reader.path.appending("containerPath"), "must not be empty") }
            let secret = reader.string("secret") ?? ""
            if !secrets.contains(secret) { sink.error(reader.path, "volume.secret must refer to an existing secret") }
            return Volume(containerPath: containerPath, mode: modeText, source: .secret(name: secret))
        }
    }
}

/// `{key: kept}`, or an empty object when nothing was kept: how nested kept fields are stored on their parent.
func nestedKept(_ key: String, _ kept: JSONObject) -> JSONObject {
    kept.isEmpty ? JSONObject() : JSONObject([JSONObject.Member(key: key, value: .object(kept))])
}

/// Reads `networks`, merging in what a legacy `container.docker.network` asked for.
enum NetworkDecoder {
    static let fields = FieldSet(used: ["mode", "name", "labels"], objectName: "network")

    /// The networks, checked with Marathon's `ramlNetworksValidator` (all errors at `/networks`).
    static func decodeNetworks(_ reader: ObjectReader, legacyMode: Network.Mode?) -> [Network] {
        let sink = reader.sink
        let path = reader.path.appending("networks")
        guard let readers = reader.nestedArray("networks", fields: fields) else {
            return [Network(mode: legacyMode ?? .host)]
        }
        if legacyMode != nil {
            sink.error(reader.path, "must not specify both container.docker.network and networks")
        }
        let networks: [Network] = readers.compactMap { network in
            guard let mode = network.has("mode") ? network.enumValue("mode", as: Network.Mode.self) : .container else { return nil }
            let name = network.string("name")
            let labels = network.stringMap("labels") ?? [:]
            switch mode {
            case .host where name != nil || !labels.isEmpty:
                sink.error(path, "Host networks may not have names or labels")
            case .containerBridge where name != nil:
                sink.error(path, "Bridge networks may not have names")
            case .container where name == nil:
                sink.error(path, "Network name must be specified when container network is selected.")
            case .container:
                if let name, !PortDecoder.isValidName(name) {
                    sink.error(network.path.appending("name"), "must contain only alphanumeric chars or hyphens, and must begin with a letter")
                }
            default:
                break
            }
            return Network(mode: mode, name: name, labels: labels)
        }
        if networks.isEmpty { return [Network(mode: .host)] }
        let nonContainer = networks.filter { $0.mode != .container }
        if !nonContainer.isEmpty && networks.count > 1 {
            sink.error(path, "May specify a single host network, single bridge network, or else 1-to-n container networks")
        }
        let names = networks.compactMap(\.name)
        if Set(names).count != names.count {
            sink.error(path, "Duplicate networks are not allowed")
        }
        return networks
    }
}

/// Reads `portDefinitions` and `portMappings`.
enum PortDecoder {
    static let portDefinitionFields = FieldSet(used: ["port", "protocol", "name", "labels"], objectName: "port definition")
    static let portMappingFields = FieldSet(used: ["containerPort", "hostPort", "servicePort", "protocol", "name", "labels", "networkNames"],
                                            objectName: "port mapping")
    /// Marathon's `strings.Name` / `LegacyName` pattern for port, endpoint and network names.
    static let namePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

    /// One of an app's `portDefinitions`.
    static func decodePortDefinition(_ reader: ObjectReader) -> PortDefinition {
        PortDefinition(port: CommonDecoders.port(reader, "port") ?? 0, protocol: decodeProtocol(reader), name: decodeName(reader),
                       labels: reader.stringMap("labels") ?? [:])
    }

    /// One of a container's `portMappings`.
    static func decodePortMapping(_ reader: ObjectReader) -> PortMapping {
        PortMapping(containerPort: CommonDecoders.port(reader, "containerPort") ?? 0, hostPort: CommonDecoders.port(reader, "hostPort"),
                    servicePort: CommonDecoders.port(reader, "servicePort") ?? 0, protocol: decodeProtocol(reader),
                    name: decodeName(reader), labels: reader.stringMap("labels") ?? [:],
                    networkNames: reader.stringArray("networkNames") ?? [])
    }

    /// True when `name` fully matches `namePattern`: lowercase letters, digits and inner hyphens.
    static func isValidName(_ name: String) -> Bool {
        PathIdRules.isValidLabel(Substring(name))
    }

    private static func decodeProtocol(_ reader: ObjectReader) -> String {
        let text = reader.string("protocol") ?? "tcp"
        let allowed = ["tcp", "udp", "udp,tcp"]
        if !allowed.contains(text) { reader.sink.error(reader.path.appending("protocol"), Rules.oneOf(allowed)) }
        return text
    }

    private static func decodeName(_ reader: ObjectReader) -> String? {
        guard let name = reader.string("name") else { return nil }
        if !isValidName(name) { reader.sink.error(reader.path.appending("name"), "must fully match regular expression '\(namePattern)'") }
        return name
    }
}

/// Reads `upgradeStrategy` (apps) or `scheduling.upgrade` (pods): both shares must be in [0, 1].
enum UpgradeStrategyDecoder {
    static let fields = FieldSet(used: ["minimumHealthCapacity", "maximumOverCapacity"], objectName: "upgrade strategy")

    /// Nil when the object is absent, so that the caller uses its default. A missing share takes the share of
    /// `defaults`; with `bothRequired` (apps: Marathon's RAML requires both) it is also an error. Apps word an
    /// out-of-range share as `between 0.0 and 1.0`; pods (`bothRequired == false`) check each bound on its own, as
    /// Marathon's pod validator does. `validShares` names the shares that were given and in range.
    static func decode(_ reader: ObjectReader, key: String, defaults: UpgradeStrategy,
                       bothRequired: Bool) -> (strategy: UpgradeStrategy, validShares: Set<String>)? {
        guard let strategy = reader.nested(key, fields: fields) else { return nil }
        var result = defaults
        var validShares = Set<String>()
        for (name, keyPath) in [("minimumHealthCapacity", \UpgradeStrategy.minimumHealthCapacity),
                                ("maximumOverCapacity", \UpgradeStrategy.maximumOverCapacity)] {
            let sharePath = strategy.path.appending(name)
            guard let share = strategy.double(name) else {
                if bothRequired && !strategy.has(name) {
                    reader.sink.shapeError(sharePath, "is required: an upgradeStrategy gives both minimumHealthCapacity and maximumOverCapacity")
                }
                continue
            }
            if share < 0 || share > 1 {
                let message = bothRequired ? Rules.between(share, 0.0, 1.0) : share < 0 ? Rules.atLeast(share, 0.0) : Rules.atMost(share, 1.0)
                reader.sink.error(sharePath, message)
            } else {
                validShares.insert(name)
            }
            result[keyPath: keyPath] = share
        }
        return (result, validShares)
    }
}

/// Reads one app health check and applies Marathon's defaults.
enum HealthCheckDecoder {
    static let fields = FieldSet(
        used: ["protocol", "path", "portIndex", "port", "command", "gracePeriodSeconds", "intervalSeconds",
               "timeoutSeconds", "maxConsecutiveFailures", "delaySeconds", "ignoreHttp1xx", "ipProtocol"],
        objectName: "health check")

    /// One health check with Marathon's defaults; nil (after reporting it) when its protocol is unknown.
    static func decode(_ reader: ObjectReader) -> HealthCheck? {
        let sink = reader.sink, path = reader.path
        var check = HealthCheck()
        if reader.has("protocol") {
            guard let parsed = reader.enumValue("protocol", as: HealthCheck.ProbeProtocol.self) else { return nil }
            check.protocol = parsed
        }
        if let text = reader.string("path") {
            if !check.protocol.isHTTP {
                sink.warning(path.appending("path"), "a \(check.protocol.rawValue) health check does not use a path; it is ignored")
            }
            check.path = withLeadingSlash(text)
        }
        check.port = CommonDecoders.port(reader, "port")
        check.portIndex = CommonDecoders.port(reader, "portIndex")
        if check.port != nil && check.portIndex != nil {
            sink.error(path, "HealthCheck must specify either a port or a portIndex")
        }
        if check.protocol == .command {
            if let command = reader.objectValue("command"), case .string(let value)? = command["value"], !value.isEmpty {
                check.command = value
            } else {
                sink.error(path.appending("command"), #"a COMMAND health check needs a command such as {"value": "curl -f localhost:$PORT0"}"#)
            }
        } else if reader.has("command") {
            sink.warning(path.appending("command"), "only COMMAND health checks run a command; it is ignored for \(check.protocol.rawValue)")
        }
        let timing = CommonDecoders.checkTiming(reader, defaults: HealthCheckTiming(check))
        check.gracePeriodSeconds = timing.gracePeriodSeconds
        check.intervalSeconds = timing.intervalSeconds
        check.timeoutSeconds = timing.timeoutSeconds
        check.delaySeconds = timing.delaySeconds
        check.maxConsecutiveFailures = timing.maxConsecutiveFailures
        check.ignoreHttp1xx = reader.bool("ignoreHttp1xx") ?? false
        if reader.has("ipProtocol"), let ipProtocol = reader.enumValue("ipProtocol", as: HealthCheck.IPProtocol.self) {
            check.ipProtocol = ipProtocol
        }
        return check
    }
}

/// Reads one readiness check and applies Marathon's defaults.
enum ReadinessCheckDecoder {
    static let fields = FieldSet(
        used: ["name", "protocol", "path", "portName", "intervalSeconds", "timeoutSeconds", "httpStatusCodesForReady",
               "preserveLastResponse"],
        objectName: "readiness check")

    /// One readiness check with Marathon's defaults; nil (after reporting it) when its protocol is unknown.
    static func decode(_ reader: ObjectReader) -> ReadinessCheck? {
        let sink = reader.sink, path = reader.path
        var check = ReadinessCheck()
        if let name = reader.string("name") {
            if name.isEmpty { sink.error(path.appending("name"), "must not be empty") }
            check.name = name
        }
        if reader.has("protocol") {
            guard let parsed = reader.enumValue("protocol", as: ReadinessCheck.ProbeProtocol.self) else { return nil }
            check.protocol = parsed
        }
        if let text = reader.string("path") {
            if text.isEmpty { sink.error(path.appending("path"), "must not be empty") }
            check.path = withLeadingSlash(text)
        }
        if let portName = reader.string("portName") { check.portName = portName }
        let interval = CommonDecoders.nonNegativeInt(reader, "intervalSeconds") ?? 30
        let timeout = reader.int("timeoutSeconds") ?? 10
        if timeout <= 0 {
            sink.error(path.appending("timeoutSeconds"), Rules.greaterThan(timeout, 0))
        } else if interval >= 0 && timeout >= interval {
            sink.error(path.appending("timeoutSeconds"), Rules.lessThan(timeout, interval))
        }
        check.intervalSeconds = Double(interval)
        check.timeoutSeconds = Double(timeout)
        let codesPath = path.appending("httpStatusCodesForReady")
        if let codes = reader.array("httpStatusCodesForReady") {
            var parsed: [Int] = []
            for (index, value) in codes.enumerated() {
                guard case .number(let number) = value, let code = number.integerValue else {
                    sink.shapeError(codesPath.appending(index), "expected a whole number, got \(describe(value))")
                    continue
                }
                if code < 100 || code > 999 { sink.error(codesPath.appending(index), Rules.between(code, 100, 999)) }
                parsed.append(code)
            }
            if codes.isEmpty { sink.error(codesPath, "must not be empty") }
            if hasDuplicates(parsed) { sink.error(codesPath, "Elements must be unique.") }
            check.httpStatusCodesForReady = parsed
        }
        check.preserveLastResponse = reader.bool("preserveLastResponse") ?? false
        return check
    }
}
