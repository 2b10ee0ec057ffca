import RollwatchCore
import RollwatchTUI

/// The event log pane: the scheduler's events as sentences that give reasons, newest first.
public enum EventLog {
    /// One line of the log.
    public struct Entry: Sendable, Hashable {
        /// Seconds since the run began.
        public var time: Double
        /// The log level's theme slot: `log_info`, `log_action`, `log_warn` or `log_error`.
        public var slot: ThemeSlot
        public var text: String

        public init(time: Double, slot: ThemeSlot, text: String) {
            self.time = time
            self.slot = slot
            self.text = text
        }
    }

    /// The sentence for an event, or nil for an event that only moves numbers shown elsewhere (`rollout_progress`,
    /// a health result cleared by a kill). `label` names a version shortly (`v1`, `v2`) for the parentheses.
    public static func entry(for event: RolloutEvent, label: (String) -> String) -> Entry? {
        func who(_ ref: InstanceRef) -> String { "\(ref.instanceId) (\(label(ref.version)))" }
        func make(_ slot: ThemeSlot, _ text: String) -> Entry { Entry(time: event.time, slot: slot, text: text) }
        switch event.kind {
        case .deploymentInfo(_, let plan, let step):
            let actions = step >= 1 && step <= plan.steps.count
                ? plan.steps[step - 1].actions.map(\.summary).joined(separator: ", ") : ""
            return make(.logAction, "step \(step)/\(plan.steps.count) started: \(actions)")
        case .deploymentStepSuccess(_, let plan, let step):
            return make(.logInfo, "step \(step)/\(plan.steps.count) done")
        case .deploymentSuccess:
            return make(.logInfo, "deployment done")
        case .deploymentFailed(_, _, let reason):
            return make(.logError, "deployment ended: \(reason)")
        case .deploymentPaused:
            return make(.logWarn, "paused: no kills or launches until resumed")
        case .deploymentResumed:
            return make(.logInfo, "resumed")
        case .statusUpdate(let ref, let taskStatus, let message):
            switch taskStatus {
            case "TASK_STAGING": return make(.logAction, "launched \(who(ref))")
            case "TASK_STARTING":
                // A driver's note for a person follows "; " (the local driver: an image it does not pull).
                if let note = message.split(separator: ";", maxSplits: 1).dropFirst().first {
                    return make(.logWarn, "\(who(ref)) starting on \(ref.host):" + note)
                }
                return make(.logInfo, "\(who(ref)) starting on \(ref.host)")
            case "TASK_RUNNING": return make(.logInfo, "\(who(ref)) running on \(ref.host)")
            case "TASK_KILLING": return make(.logAction, "killing \(who(ref)): \(message)")
            case "TASK_KILLED": return make(.logInfo, "\(who(ref)) stopped")
            case "TASK_FINISHED": return make(.logInfo, "\(who(ref)) finished")
            default: return make(.logError, "\(who(ref)) \(taskStatus.dropFirst("TASK_".count).lowercased()): \(message)")
            }
        case .instanceUnplaceable(let ref, let reason):
            return make(.logWarn, "\(who(ref)) waits for an agent: \(reason)")
        case .instanceHealthChanged(let ref, let healthy):
            switch healthy {
            case true?: return make(.logInfo, "\(who(ref)) healthy")
            case false?: return make(.logWarn, "\(who(ref)) unhealthy")
            case nil: return nil
            }
        case .failedHealthCheck(let ref, let cause):
            return make(.logWarn, "\(who(ref)) failed a health check: \(cause)")
        case .unhealthyInstanceKill(let ref, let reason):
            return make(.logError, "killing \(who(ref)) for its health: \(reason)")
        case .rolloutProgress:
            return nil
        case .awaitingPromotion(_, let appId):
            return make(.logWarn, "\(appId): the new set is ready; waiting to be promoted (>)")
        case .trafficSwitched(_, let appId):
            return make(.logAction, "\(appId): traffic switched to the new set")
        case .instanceProcess:
            return nil
        case .strategyStep(_, let appId, let status):
            return make(.logAction, "\(appId): canary step \(status.index + 1)/\(status.titles.count) \(status.title): waiting for \(status.waitingFor)")
        }
    }

    /// `0:01:05`: the run's clock in hours, minutes and seconds.
    public static func clock(_ time: Double) -> String {
        let seconds = max(0, Int(time.rounded(.down)))
        let minutes = seconds / 60 % 60, hours = seconds / 3600
        return "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes):" + (seconds % 60 < 10 ? "0" : "") + "\(seconds % 60)"
    }

    /// Draws `entries` newest first (the last of the array at the top), one per row, each cut to the width.
    public static func draw(_ entries: [Entry], theme: Theme, in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        for (row, entry) in entries.reversed().prefix(rect.height).enumerated() {
            let y = rect.y + row
            let stamp = clock(entry.time) + " "
            let x = buffer.write(stamp, x: rect.x, y: y, style: theme.style(.logTime), clip: rect)
            buffer.write(DisplayWidth.truncated(entry.text, to: max(0, rect.maxX - x), ellipsis: theme.glyph(.ellipsis)), x: x, y: y, style: theme.style(entry.slot), clip: rect)
        }
    }
}
