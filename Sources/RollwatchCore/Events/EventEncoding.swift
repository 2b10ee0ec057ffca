/// Writes events as JSON Lines (ARCHITECTURE.md §5.2) and as one `key=value` line each for people and grep.
public struct EventEncoder: Sendable {
    /// The wall-clock time of `t = 0`, in seconds since 1970, for the `timestamp` field.
    public let epoch: Double

    public init(epoch: Double) {
        self.epoch = epoch
    }

    /// The event as one JSON object, members in a fixed order.
    public func json(_ event: RolloutEvent) -> JSONValue {
        var object = JSONObject()
        object.append("eventType", .string(event.eventType))
        object.append("timestamp", .string(Self.iso8601(epoch + event.time)))
        object.append("t", .number(JSONNumber(Self.rounded(event.time))))
        for (key, value) in fields(event) { object.append(key, value) }
        return .object(object)
    }

    /// The event as `t=12.500 event=status_update_event app=/web … message="…"`.
    public func text(_ event: RolloutEvent) -> String {
        var parts = ["t=" + Self.fixed(event.time, digits: 3), "event=" + event.eventType]
        for (key, value) in textFields(event) { parts.append(key + "=" + Self.quotedIfNeeded(value)) }
        return parts.joined(separator: " ")
    }

    private func fields(_ event: RolloutEvent) -> [(String, JSONValue)] {
        switch event.kind {
        case .deploymentInfo(let planId, let plan, let step):
            let current = plan.steps.indices.contains(step - 1) ? plan.steps[step - 1].json : ["actions": []]
            return [("plan", planJSON(planId, plan)), ("currentStep", current), ("stepIndex", .number(JSONNumber(step))),
                    ("totalSteps", .number(JSONNumber(plan.steps.count)))]
        case .deploymentStepSuccess(let planId, let plan, let step):
            let current = plan.steps.indices.contains(step - 1) ? plan.steps[step - 1].json : ["actions": []]
            return [("plan", planJSON(planId, plan)), ("currentStep", current), ("stepIndex", .number(JSONNumber(step)))]
        case .deploymentSuccess(let planId, let plan):
            return [("id", .string(planId)), ("plan", planJSON(planId, plan))]
        case .deploymentFailed(let planId, let plan, let reason):
            return [("id", .string(planId)), ("plan", planJSON(planId, plan)), ("reason", .string(reason))]
        case .deploymentPaused(let planId), .deploymentResumed(let planId):
            return [("id", .string(planId))]
        case .statusUpdate(let ref, let status, let message):
            return instanceFields(ref) + [("taskId", .string(ref.instanceId.value)), ("taskStatus", .string(status)), ("message", .string(message))]
        case .instanceUnplaceable(let ref, let reason):
            return instanceFields(ref) + [("reason", .string(reason))]
        case .instanceHealthChanged(let ref, let healthy):
            return instanceFields(ref) + [("healthy", healthy.map(JSONValue.bool) ?? .null)]
        case .failedHealthCheck(let ref, let cause):
            return instanceFields(ref) + [("cause", .string(cause))]
        case .unhealthyInstanceKill(let ref, let reason):
            return instanceFields(ref) + [("taskId", .string(ref.instanceId.value)), ("reason", .string(reason))]
        case .rolloutProgress(let progress):
            return [("appId", .string(progress.appId.description)), ("target", .number(JSONNumber(progress.target))),
                    ("minHealthy", .number(JSONNumber(progress.minHealthy))), ("maxCapacity", .number(JSONNumber(progress.maxCapacity))),
                    ("old", ["alive": .number(JSONNumber(progress.old.alive)), "healthy": .number(JSONNumber(progress.old.healthy))]),
                    ("new", ["alive": .number(JSONNumber(progress.new.alive)), "healthy": .number(JSONNumber(progress.new.healthy))]),
                    ("paused", .bool(progress.paused))]
        case .awaitingPromotion(let planId, let appId), .trafficSwitched(let planId, let appId):
            return [("id", .string(planId)), ("appId", .string(appId.description))]
        case .strategyStep(let planId, let appId, let status):
            return [("id", .string(planId)), ("appId", .string(appId.description)), ("stepIndex", .number(JSONNumber(status.index + 1))),
                    ("totalSteps", .number(JSONNumber(status.titles.count))), ("step", .string(status.title)),
                    ("steps", .array(status.titles.map(JSONValue.string))),
                    ("until", status.until.map { .number(JSONNumber(Self.rounded($0))) } ?? .null), ("waitingFor", .string(status.waitingFor)),
                    ("promotable", .bool(status.promotable)), ("fullyPromotable", .bool(status.fullyPromotable))]
        case .instanceProcess(let ref, let process):
            return instanceFields(ref) + [("pid", .number(JSONNumber(Int(process.pid)))),
                                          ("ports", .array(process.ports.map { .number(JSONNumber($0)) })), ("sandbox", .string(process.sandbox))]
        }
    }

    private func textFields(_ event: RolloutEvent) -> [(String, String)] {
        switch event.kind {
        case .deploymentInfo(let planId, let plan, let step):
            let actions = plan.steps.indices.contains(step - 1) ? plan.steps[step - 1].actions : []
            return [("deployment", planId), ("step", "\(step)/\(plan.steps.count)"),
                    ("actions", actions.map { "\($0.name):\($0.runSpec.id)" }.joined(separator: ","))]
        case .deploymentStepSuccess(let planId, let plan, let step):
            return [("deployment", planId), ("step", "\(step)/\(plan.steps.count)")]
        case .deploymentSuccess(let planId, _):
            return [("deployment", planId)]
        case .deploymentFailed(let planId, _, let reason):
            return [("deployment", planId), ("reason", reason)]
        case .deploymentPaused(let planId), .deploymentResumed(let planId):
            return [("deployment", planId)]
        case .statusUpdate(let ref, let status, let message):
            return instanceText(ref) + [("status", status), ("message", message)]
        case .instanceUnplaceable(let ref, let reason):
            return instanceText(ref) + [("reason", reason)]
        case .instanceHealthChanged(let ref, let healthy):
            return instanceText(ref) + [("healthy", healthy.map { "\($0)" } ?? "null")]
        case .failedHealthCheck(let ref, let cause):
            return instanceText(ref) + [("cause", cause)]
        case .unhealthyInstanceKill(let ref, let reason):
            return instanceText(ref) + [("reason", reason)]
        case .rolloutProgress(let progress):
            return [("app", progress.appId.description), ("target", "\(progress.target)"),
                    ("old_alive", "\(progress.old.alive)"), ("old_healthy", "\(progress.old.healthy)"),
                    ("new_alive", "\(progress.new.alive)"), ("new_healthy", "\(progress.new.healthy)"),
                    ("min_healthy", "\(progress.minHealthy)"), ("max_capacity", "\(progress.maxCapacity)"),
                    ("paused", "\(progress.paused)")]
        case .awaitingPromotion(let planId, let appId), .trafficSwitched(let planId, let appId):
            return [("deployment", planId), ("app", appId.description)]
        case .strategyStep(let planId, let appId, let status):
            return [("deployment", planId), ("app", appId.description), ("step", "\(status.index + 1)/\(status.titles.count)"),
                    ("title", status.title), ("until", status.until.map { Self.fixed($0, digits: 3) } ?? "-"), ("waiting_for", status.waitingFor)]
        case .instanceProcess(let ref, let process):
            return instanceText(ref) + [("pid", String(process.pid)), ("ports", process.ports.isEmpty ? "-" : process.ports.map(String.init).joined(separator: ",")),
                                        ("sandbox", process.sandbox)]
        }
    }

    private func planJSON(_ planId: String, _ plan: DeploymentPlan) -> JSONValue {
        var object = JSONObject()
        object.append("id", .string(planId))
        object.append("steps", plan.json.objectValue?["steps"] ?? [])
        return .object(object)
    }

    private func instanceFields(_ ref: InstanceRef) -> [(String, JSONValue)] {
        [("appId", .string(ref.appId.description)), ("instanceId", .string(ref.instanceId.value)),
         ("version", .string(ref.version)), ("host", .string(ref.host))]
    }

    private func instanceText(_ ref: InstanceRef) -> [(String, String)] {
        [("app", ref.appId.description), ("instance", ref.instanceId.value), ("version", ref.version),
         ("host", ref.host.isEmpty ? "-" : ref.host)]
    }

    /// `2026-01-01T00:00:12.500Z` for seconds since 1970, computed without Foundation so it is the same everywhere.
    public static func iso8601(_ seconds: Double) -> String {
        let millis = Int64((seconds * 1000).rounded())
        let totalSeconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let milli = Int(millis - totalSeconds * 1000)
        var days = Int(totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400)
        let secondOfDay = Int(totalSeconds - Int64(days) * 86_400)
        // Civil-from-days (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(milli, 3))Z"
    }

    /// A time rounded to the millisecond, so that JSON output does not show binary noise.
    public static func rounded(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }

    /// `12.500` with a fixed number of decimals.
    public static func fixed(_ value: Double, digits: Int) -> String {
        guard digits > 0 else { return String(Int64(value.rounded())) }
        let scale = Int64(pow10(digits))
        let scaled = Int64((value * Double(scale)).rounded())
        let sign = scaled < 0 ? "-" : ""
        let magnitude = abs(scaled)
        let fraction = String(magnitude % scale)
        return sign + String(magnitude / scale) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    private static func pow10(_ digits: Int) -> Double {
        (0..<digits).reduce(1.0) { value, _ in value * 10 }
    }

    /// A value as is, or in double quotes (with `"` and `\` escaped) when it has spaces, quotes or `=`.
    static func quotedIfNeeded(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" }) else { return value }
        var escaped = ""
        for character in value {
            if character == "\"" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "\"" + escaped + "\""
    }
}
