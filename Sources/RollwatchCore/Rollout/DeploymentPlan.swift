/// One thing a deployment step does to one run spec (Marathon's `DeploymentAction`).
public enum DeploymentAction: Sendable, Hashable {
    /// A new run spec appears; it gets its instances in a later `scale` (Marathon's `StartApplication`, a no-op).
    case start(RunSpec)
    /// Change the instance count to `instances`, killing the `sentenced` instances first.
    case scale(RunSpec, instances: Int, sentenced: [InstanceId])
    /// Replace every instance by one of the new version, a rolling restart.
    case restart(RunSpec)
    /// Stop every instance of a run spec that the target no longer has.
    case stop(RunSpec)

    /// The run spec acted on.
    public var runSpec: RunSpec {
        switch self {
        case .start(let spec), .scale(let spec, _, _), .restart(let spec), .stop(let spec): return spec
        }
    }

    /// Marathon's action name: `RestartApplication`, `ScalePod`, ….
    /// `restart /python-web`, `scale /db to 3`, `start /x`, `stop /x`: the action in words.
    public var summary: String {
        switch self {
        case .start(let spec): return "start \(spec.id)"
        case .scale(let spec, let instances, _): return "scale \(spec.id) to \(instances)"
        case .restart(let spec): return "restart \(spec.id)"
        case .stop(let spec): return "stop \(spec.id)"
        }
    }

    public var name: String {
        let verb: String
        switch self {
        case .start: verb = "Start"
        case .scale: verb = "Scale"
        case .restart: verb = "Restart"
        case .stop: verb = "Stop"
        }
        if case .pod = runSpec { return verb + "Pod" }
        return verb + "Application"
    }

    /// `{"action": "RestartApplication", "app": "/x"}`, as Marathon's plans and events write it.
    public var json: JSONValue {
        var object = JSONObject()
        object.append("action", .string(name))
        if case .pod = runSpec {
            object.append("pod", .string(runSpec.id.description))
        } else {
            object.append("app", .string(runSpec.id.description))
        }
        return .object(object)
    }
}

/// Actions that run in parallel; the next step starts when all of them are done.
public struct DeploymentStep: Sendable, Hashable {
    public var actions: [DeploymentAction]

    public init(actions: [DeploymentAction]) {
        self.actions = actions
    }

    /// `{"actions": [...]}`.
    public var json: JSONValue {
        ["actions": .array(actions.map(\.json))]
    }
}

/// Marathon's deployment plan from the definitions running now to the target ones (§6.1): first stop what the
/// target removes, then start what it adds, then per class of dependency depth (deepest dependencies first)
/// restart what changed and scale what only changed its size.
public struct DeploymentPlan: Sendable, Hashable {
    public var original: GroupDefinition
    public var target: GroupDefinition
    public var steps: [DeploymentStep]

    /// Plans the change from `original` to `target`. With `restartAll`, every run spec that exists in both is
    /// restarted even if unchanged (Marathon's `POST /v2/apps/{id}/restart`).
    public init(from original: GroupDefinition, to target: GroupDefinition, restartAll: Bool = false) {
        self.original = original
        self.target = target
        let before = Dictionary(original.transitiveRunSpecs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(target.transitiveRunSpecs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var steps: [DeploymentStep] = []
        steps.append(DeploymentStep(actions: original.transitiveRunSpecs.filter { after[$0.id] == nil }.map(DeploymentAction.stop)))
        steps.append(DeploymentStep(actions: target.transitiveRunSpecs.filter { before[$0.id] == nil }.map(DeploymentAction.start)))

        for dependencyClass in target.dependencyClasses {
            steps.append(DeploymentStep(actions: dependencyClass.compactMap { id -> DeploymentAction? in
                guard let spec = after[id] else { return nil }
                guard let old = before[id] else { return .scale(spec, instances: spec.instances, sentenced: []) }
                if restartAll || spec.needsRestart(comparedTo: old) {
                    return spec.instances == 0 ? .scale(spec, instances: 0, sentenced: []) : .restart(spec)
                }
                return old.instances != spec.instances ? .scale(spec, instances: spec.instances, sentenced: []) : nil
            }))
        }
        self.steps = steps.filter { !$0.actions.isEmpty }
    }

    /// `{"steps": [{"actions": [...]}, ...]}`.
    public var json: JSONValue {
        ["steps": .array(steps.map(\.json))]
    }
}

