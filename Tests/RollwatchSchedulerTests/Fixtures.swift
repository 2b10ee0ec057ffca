import Foundation
import RollwatchCore
import RollwatchScheduler
import RollwatchSim

/// An app definition from JSON text, for tests; traps on a broken fixture.
func app(_ json: String) -> AppDefinition {
    let report = DefinitionLoader.load(Array(json.utf8))
    guard report.isValid, case .app(let app)? = report.definition else {
        fatalError("fixture is not a valid app: \(report.errors)")
    }
    return app
}

/// A scheduler on a simulated cluster, with the fleet of `from` steady and healthy.
struct Simulation {
    let core: SchedulerCore
    let sim: SimCluster
    var events: [RolloutEvent] = []

    init(_ from: GroupDefinition, agents: [SimAgent]? = nil, extra: [RunSpec] = [], seed: UInt64 = 7,
         strategy: any RolloutStrategy = MarathonStrategy()) {
        sim = SimCluster(agents: agents ?? SimAgent.toFit(from.transitiveRunSpecs + extra), seed: seed)
        let versions = Dictionary(from.transitiveRunSpecs.map { ($0.id, "v1") }, uniquingKeysWith: { first, _ in first })
        core = SchedulerCore(root: from, versions: versions, driver: sim, strategy: strategy)
        for spec in from.transitiveRunSpecs {
            core.adopt(count: spec.instances, of: spec, version: "v1", condition: .running, healthy: true)
        }
    }

    init(_ from: AppDefinition, to: AppDefinition? = nil, agents: [SimAgent]? = nil, seed: UInt64 = 7,
         strategy: any RolloutStrategy = MarathonStrategy()) {
        self.init(GroupDefinition(id: .root, apps: [from]), agents: agents, extra: to.map { [.app($0)] } ?? [], seed: seed, strategy: strategy)
    }

    /// Deploys `target` with every changed run spec at version v2.
    mutating func deploy(_ target: GroupDefinition, restartAll: Bool = false) {
        let versions = Dictionary(target.transitiveRunSpecs.map { ($0.id, "v2") }, uniquingKeysWith: { first, _ in first })
        core.deploy(target, newVersions: versions, restartAll: restartAll)
        events += core.takeEvents()
    }

    mutating func deploy(_ target: AppDefinition) {
        deploy(GroupDefinition(id: .root, apps: [target]))
    }

    /// Runs until the deployment ends, nothing more can happen, or `limit` seconds have passed.
    mutating func run(until limit: Double = 3_600, stopWhen: (SchedulerCore) -> Bool = { $0.deployment == nil }) {
        while !stopWhen(core), let next = core.nextEventTime, next <= limit {
            core.advance(to: next)
            events += core.takeEvents()
        }
    }

    var progress: [RolloutProgress] {
        events.compactMap { if case .rolloutProgress(let progress) = $0.kind { return progress } else { return nil } }
    }

    /// The status updates with the given task status.
    func statuses(_ status: String) -> [(time: Double, ref: InstanceRef, message: String)] {
        events.compactMap { event in
            if case .statusUpdate(let ref, let taskStatus, let message) = event.kind, taskStatus == status { return (event.time, ref, message) }
            return nil
        }
    }
}
