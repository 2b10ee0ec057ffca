import RollwatchCore

/// One machine of the simulated cluster: the agent a scenario file describes.
public typealias SimAgent = Scenario.Agent

extension SimAgent {
    /// The value a constraint's field names on this agent: the hostname, the zone or region, or an attribute.
    public func value(of field: String) -> String? {
        switch field {
        case "hostname", "@hostname": return hostname
        case "@zone": return zone
        case "@region": return region
        default: return attributes[field]
        }
    }

    /// Agents enough for the run specs at their busiest (a restart's maximum capacity): 8 cpus and 32 GiB each,
    /// at least 3, one per instance when a run spec is `hostname:UNIQUE`, spread over 3 racks (`rack` r1–r3)
    /// and 3 zones.
    public static func toFit(_ specs: [RunSpec]) -> [SimAgent] {
        var cpus = 0.0, mem = 0.0, disk = 0.0, unique = 0
        for spec in specs {
            let peak = Double(max(spec.instances, RestartStrategy(steady: spec).maxCapacity))
            let resources = spec.resourcesPerInstance
            cpus += peak * resources.cpus
            mem += peak * resources.mem
            disk += peak * resources.disk
            if spec.constraints.contains(where: { ($0.field == "hostname" || $0.field == "@hostname") && $0.operator == .unique }) {
                unique = max(unique, Int(peak))
            }
        }
        let count = max(3, unique, Int((cpus * 1.25 / 8).rounded(.up)), Int((mem * 1.25 / 32_768).rounded(.up)),
                        Int((disk * 1.25 / 100_000).rounded(.up)))
        let width = String(count).count
        return (1...count).map { number in
            let digits = String(number)
            let name = "agent-" + String(repeating: "0", count: max(0, width - digits.count)) + digits
            return SimAgent(hostname: name, attributes: ["rack": "r\((number - 1) % 3 + 1)"], zone: "zone-\((number - 1) % 3 + 1)")
        }
    }
}

extension RunSpec {
    /// Placement constraints.
    var constraints: [Constraint] {
        switch self {
        case .app(let app): return app.constraints
        case .pod(let pod): return pod.constraints
        }
    }

    /// Host ports one instance needs.
    var hostPortCount: Int {
        switch self {
        case .app(let app): return app.usesHostNetworking ? app.portDefinitions.count : (app.container?.portMappings.filter { $0.hostPort != nil }.count ?? 0)
        case .pod(let pod): return pod.containers.flatMap(\.endpoints).filter { $0.hostPort != nil }.count
        }
    }

    var labels: [String: String] {
        switch self {
        case .app(let app): return app.labels
        case .pod(let pod): return pod.labels
        }
    }

    /// The shell command the instance starts with, if any: an app's `cmd`, or a pod's first container's shell.
    var shellCommand: String? {
        switch self {
        case .app(let app): return app.cmd
        case .pod(let pod):
            for container in pod.containers {
                if case .shell(let shell)? = container.command { return shell }
            }
            return nil
        }
    }

    /// The protocol of each health check, for the causes the simulator gives failures.
    var healthCheckKinds: [String] {
        switch self {
        case .app(let app): return app.healthChecks.map(\.protocol.rawValue)
        case .pod(let pod):
            return pod.containers.compactMap(\.healthCheck).map { check in
                switch check.probe {
                case .http: return "HTTP"
                case .tcp: return "TCP"
                case .exec: return "COMMAND"
                }
            }
        }
    }
}
