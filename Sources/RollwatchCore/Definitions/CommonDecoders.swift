/// Reading steps that apps, pods and groups share, so that one rule reads one way everywhere.
enum CommonDecoders {
    /// Checks the labels rollwatch reads (Marathon ignores them): a `ROLLWATCH_STRATEGY` that names no strategy,
    /// or gives it wrong parameters, is an error at its path, with the syntax.
    static func rollwatchLabels(_ labels: [String: String], at path: JSONPath, sink: DiagnosticSink) {
        guard let spec = labels[StrategyRegistry.label] else { return }
        do {
            _ = try StrategyRegistry.parse(spec)
        } catch {
            sink.error(path.appending("labels").appending(StrategyRegistry.label), error.description)
        }
    }

    /// Reads, checks and resolves an `id` against `base`. With `requireDirectChild`, the id must name a direct
    /// child of `base` (apps and groups inside a group). Returns `fallback` when there is no usable id.
    static func readId(_ reader: ObjectReader, relativeTo base: PathId, requireDirectChild: Bool, missing: String,
                       fallback: PathId) -> PathId {
        let path = reader.path.appending("id")
        guard let text = reader.string("id") else {
            if !reader.has("id") { reader.sink.shapeError(path, missing) }
            return fallback
        }
        PathIdRules.validate(text, at: path, sink: reader.sink)
        let id = PathId(text).canonical(relativeTo: base)
        if id.isRoot {
            reader.sink.error(path, "Path must contain at least one path element")
        } else if requireDirectChild && id.parent != base {
            reader.sink.error(path, "Identifier is not child of '\(base)'")
        }
        return id
    }

    /// Dependencies as absolute ids: a relative one is resolved against `base` (an app's group, or a group's
    /// own id, as Marathon resolves them).
    static func dependencies(_ reader: ObjectReader, relativeTo base: PathId) -> [PathId] {
        guard let texts = reader.stringArray("dependencies") else { return [] }
        return texts.enumerated().map { index, text in
            let path = reader.path.appending("dependencies").appending(index)
            PathIdRules.validate(text, at: path, sink: reader.sink)
            if PathId(text).segments.isEmpty { reader.sink.error(path, "Path must contain at least one path element") }
            return PathId(text).canonical(relativeTo: base)
        }
    }

    /// `cpus`, `mem`, `disk` and `gpus` over `defaults`; amounts below the minimum are reported.
    static func resources(_ reader: ObjectReader, defaults: Resources, cpusMinimum: Double) -> Resources {
        var resources = defaults
        for (key, keyPath, minimum) in [("cpus", \Resources.cpus, cpusMinimum), ("mem", \Resources.mem, 0.0), ("disk", \Resources.disk, 0.0)] {
            if let amount = reader.double(key) {
                if amount < minimum { reader.sink.error(reader.path.appending(key), Rules.atLeast(amount, minimum)) }
                resources[keyPath: keyPath] = amount
            }
        }
        if let gpus = nonNegativeInt(reader, "gpus") { resources.gpus = gpus }
        return resources
    }

    /// The launch back-off under the names an app (`backoffSeconds`, …, whole seconds in Marathon's schema) or a
    /// pod (`backoff`, …, any number of seconds) gives it.
    static func backoff(_ reader: ObjectReader, seconds: String, factor: String, maxDelay: String, factorMinimum: Double,
                        wholeSeconds: Bool) -> BackoffStrategy {
        var backoff = BackoffStrategy()
        func readSeconds(_ key: String) -> Double? {
            if wholeSeconds { return nonNegativeInt(reader, key).map(Double.init) }
            guard let value = reader.double(key) else { return nil }
            if value < 0 { reader.sink.error(reader.path.appending(key), Rules.atLeast(value, 0.0)) }
            return value
        }
        if let value = readSeconds(seconds) { backoff.backoffSeconds = value }
        if let value = reader.double(factor) {
            if value < factorMinimum { reader.sink.error(reader.path.appending(factor), Rules.atLeast(value, factorMinimum)) }
            backoff.backoffFactor = value
        }
        if let value = readSeconds(maxDelay) { backoff.maxLaunchDelaySeconds = value }
        return backoff
    }

    /// The names declared under `secrets` (whatever their shape: a bad secret is reported once, at the secret).
    static func secretNames(_ reader: ObjectReader) -> Set<String> {
        guard let secrets = reader.objectValue("secrets") else { return [] }
        for member in secrets.members {
            let memberPath = reader.path.appending("secrets").appending(member.key)
            if case .object(let body) = member.value, case .string(let source)? = body["source"], !source.isEmpty { continue }
            reader.sink.error(memberPath.appending("source"), "must not be empty")
        }
        return Set(secrets.keys)
    }

    /// An environment (`env` of apps, `environment` of pods and containers): strings, or `{"secret": name}`
    /// references, which must name one of `secrets`.
    static func environment(_ reader: ObjectReader, key: String, secrets: Set<String>) -> [String: EnvValue] {
        guard let environment = reader.objectValue(key) else { return [:] }
        var result: [String: EnvValue] = [:]
        for member in environment.members {
            let memberPath = reader.path.appending(key).appending(member.key)
            if member.key.isEmpty { reader.sink.error(reader.path.appending(key), "must not be empty") }
            switch member.value {
            case .string(let text):
                result[member.key] = .value(text)
            case .object(let reference):
                guard case .string(let secret)? = reference["secret"] else {
                    reader.sink.shapeError(memberPath, #"expected a string or a secret reference such as {"secret": "name"}"#)
                    continue
                }
                if !secrets.contains(secret) {
                    reader.sink.error(memberPath.appending("secret"), "references an undefined secret")
                }
                result[member.key] = .secret(secret)
            default:
                reader.sink.shapeError(memberPath, #"expected a string or a secret reference such as {"secret": "name"}, got "# + describe(member.value))
            }
        }
        return result
    }

    /// A whole number that must not be negative (`got -3, expected 0 or more`).
    static func nonNegativeInt(_ reader: ObjectReader, _ key: String) -> Int? {
        guard let value = reader.int(key) else { return nil }
        if value < 0 { reader.sink.error(reader.path.appending(key), Rules.atLeast(value, 0)) }
        return value
    }

    /// A port number, checked against `lower...65535`; nil when absent.
    static func port(_ reader: ObjectReader, _ key: String, lower: Int = 0) -> Int? {
        guard let value = reader.int(key) else { return nil }
        if value < lower || value > 65535 { reader.sink.error(reader.path.appending(key), Rules.between(value, lower, 65535)) }
        return value
    }

    /// A health check's seconds and failure count: `gracePeriodSeconds`, `intervalSeconds`, `timeoutSeconds`,
    /// `delaySeconds` (none negative) and `maxConsecutiveFailures`, over the given defaults.
    static func checkTiming(_ reader: ObjectReader, defaults: HealthCheckTiming) -> HealthCheckTiming {
        var timing = defaults
        for (key, keyPath) in [("gracePeriodSeconds", \HealthCheckTiming.gracePeriodSeconds), ("intervalSeconds", \HealthCheckTiming.intervalSeconds),
                               ("delaySeconds", \HealthCheckTiming.delaySeconds)] {
            if let seconds = nonNegativeInt(reader, key) { timing[keyPath: keyPath] = Double(seconds) }
        }
        if let seconds = reader.int("timeoutSeconds") { timing.timeoutSeconds = Double(seconds) }
        if let failures = nonNegativeInt(reader, "maxConsecutiveFailures") { timing.maxConsecutiveFailures = failures }
        return timing
    }
}
