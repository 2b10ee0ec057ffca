import Foundation
import RollwatchCore
import RollwatchLocal
import RollwatchScheduler

/// `rollwatch-bench local [INSTANCES]`: rollwatch's own CPU while it supervises real instances (python3 web
/// servers, 100 by default) with an HTTP health check each every second, measured over 20 s once they are all
/// healthy. The budget (issue 6): at most 5 % of a core. The instances' own CPU is not counted: only this process's
/// (every thread: the scheduler, the process monitor, the probes).
enum LocalBenchmark {
    static func run(instances: Int) -> Bool {
        let loop = WallClockLoop()
        let sandbox = LocalDriverOptions.defaultSandboxRoot() + "-bench"
        let driver: LocalDriver
        do {
            driver = try LocalDriver(options: LocalDriverOptions(ports: 31_000...32_000, sandboxRoot: sandbox), nudge: { loop.nudge() })
        } catch {
            print("rollwatch-bench: \(error)")
            return false
        }
        defer {
            driver.shutdown()
            try? FileManager.default.removeItem(atPath: sandbox)
        }
        let app = AppDefinition(id: PathId("/bench-web"), cmd: "exec python3 -m http.server $PORT0 --bind 127.0.0.1", instances: instances,
                                resources: Resources(cpus: 0.01, mem: 16),
                                healthChecks: [HealthCheck(protocol: .http, path: "/", portIndex: 0, gracePeriodSeconds: 60, intervalSeconds: 1,
                                                           timeoutSeconds: 1)])
        let core = SchedulerCore(root: GroupDefinition(id: .root), versions: [:], driver: driver, strategy: MarathonStrategy())
        core.deploy(GroupDefinition(id: .root, apps: [app]), newVersions: [app.id: "v1"])
        let started = loop.run(core, deadline: loop.now + 120, until: { $0.deployment == nil }) { _ in }
        guard started, core.outcome == .succeeded else {
            print("rollwatch-bench: the \(instances) instances did not all turn healthy within 120 s")
            return false
        }
        print("\(instances) instances running and healthy after \(String(format: "%.1f", core.now)) s; measuring 20 s")
        let before = cpuSeconds(), wallBefore = loop.now
        _ = loop.run(core, deadline: loop.now + 20, until: { _ in false }) { _ in }
        let cpu = cpuSeconds() - before, wall = loop.now - wallBefore
        let share = cpu / wall * 100
        let healthy = core.progress(of: app.id).new.healthy
        print("rollwatch's own CPU: \(String(format: "%.2f", cpu)) s in \(String(format: "%.1f", wall)) s = \(String(format: "%.2f", share)) % of a core "
              + "(\(instances) instances, \(instances) HTTP checks a second; \(healthy) healthy at the end)")
        let met = share <= 5 && healthy == instances
        print("\(met ? "met" : "MISSED"): at most 5 % of a core while supervising \(instances) instances")
        return met
    }

    /// This process's user and system CPU time so far, in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
