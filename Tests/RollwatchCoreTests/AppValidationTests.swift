import RollwatchCore
import Testing

/// One broken rule: the fields that break it, and the error Marathon reports for it.
struct RuleCase: CustomTestStringConvertible, Sendable {
    let overrides: KeyValuePairs<String, JSONValue>
    let path: String
    let message: String
    var testDescription: String { "\(path): \(message)" }
}

/// Each app rule, with Marathon's JSON path and message (reference/marathon-semantics.md §3–§5).
@Suite struct AppValidationTests {
    static let ruleCases: [RuleCase] = [
        // Sizes and resources.
        RuleCase(overrides: ["instances": -3], path: "/instances", message: "got -3, expected 0 or more"),
        RuleCase(overrides: ["mem": -3], path: "/mem", message: "got -3.0, expected 0.0 or more"),
        RuleCase(overrides: ["disk": -1.5], path: "/disk", message: "got -1.5, expected 0.0 or more"),
        RuleCase(overrides: ["cpus": 0], path: "/cpus", message: "got 0.0, expected 0.001 or more"),
        RuleCase(overrides: ["gpus": -1], path: "/gpus", message: "got -1, expected 0 or more"),
        RuleCase(overrides: ["backoffSeconds": -1], path: "/backoffSeconds", message: "got -1, expected 0 or more"),
        RuleCase(overrides: ["backoffFactor": 0.5], path: "/backoffFactor", message: "got 0.5, expected 1.0 or more"),
        RuleCase(overrides: ["maxLaunchDelaySeconds": -5], path: "/maxLaunchDelaySeconds", message: "got -5, expected 0 or more"),
        RuleCase(overrides: ["taskKillGracePeriodSeconds": -1], path: "/taskKillGracePeriodSeconds", message: "got -1, expected 0 or more"),
        // Upgrade strategy.
        RuleCase(overrides: ["upgradeStrategy": ["minimumHealthCapacity": 1.2, "maximumOverCapacity": 0.5]],
                 path: "/upgradeStrategy/minimumHealthCapacity", message: "got 1.2, expected between 0.0 and 1.0"),
        RuleCase(overrides: ["upgradeStrategy": ["minimumHealthCapacity": -1.2, "maximumOverCapacity": 0.5]],
                 path: "/upgradeStrategy/minimumHealthCapacity", message: "got -1.2, expected between 0.0 and 1.0"),
        RuleCase(overrides: ["upgradeStrategy": ["minimumHealthCapacity": 0.5, "maximumOverCapacity": 1.2]],
                 path: "/upgradeStrategy/maximumOverCapacity", message: "got 1.2, expected between 0.0 and 1.0"),
        RuleCase(overrides: ["upgradeStrategy": ["minimumHealthCapacity": 0.5]],
                 path: "/upgradeStrategy/maximumOverCapacity",
                 message: "is required: an upgradeStrategy gives both minimumHealthCapacity and maximumOverCapacity"),
        RuleCase(overrides: ["container": ["type": "MESOS", "volumes": [["containerPath": "data", "mode": "RW", "persistent": ["size": 100]]]],
                             "upgradeStrategy": ["minimumHealthCapacity": 0.5, "maximumOverCapacity": 1.0]],
                 path: "/upgradeStrategy/maximumOverCapacity", message: "got 1.0, expected 0.0"),
        RuleCase(overrides: ["labels": ["MARATHON_SINGLE_INSTANCE_APP": "true"], "instances": 2,
                             "upgradeStrategy": ["minimumHealthCapacity": 0, "maximumOverCapacity": 0]],
                 path: "/", message: "Single instance app may only have one instance"),
        RuleCase(overrides: ["labels": ["MARATHON_SINGLE_INSTANCE_APP": "true"], "instances": 1,
                             "upgradeStrategy": ["minimumHealthCapacity": 1, "maximumOverCapacity": 0]],
                 path: "/upgradeStrategy/minimumHealthCapacity", message: "got 1.0, expected 0.0"),
        // Ids.
        RuleCase(overrides: ["id": "/My_App"], path: "/id",
                 message: #"must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$'"#),
        RuleCase(overrides: ["id": "/web-"], path: "/id",
                 message: #"must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$'"#),
        RuleCase(overrides: ["id": "/shop/restart"], path: "/id",
                 message: "must not end with any of the following reserved keywords: restart, tasks, versions, ., .."),
        RuleCase(overrides: ["id": "/"], path: "/id", message: "Path must contain at least one path element"),
        RuleCase(overrides: ["id": .null], path: "/id", message: #"is required: every app needs an id such as "/my-app""#),
        RuleCase(overrides: ["dependencies": ["/Bad_Id"]], path: "/dependencies(0)",
                 message: #"must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$'"#),
        // Command.
        RuleCase(overrides: ["cmd": .null], path: "/",
                 message: "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."),
        RuleCase(overrides: ["args": ["python3", "-m", "http.server"]], path: "/",
                 message: "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."),
        RuleCase(overrides: ["cmd": ""], path: "/cmd", message: "must not be an empty string"),
        RuleCase(overrides: ["cmd": .null, "args": []], path: "/",
                 message: "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."),
        RuleCase(overrides: ["cmd": .null, "container": ["type": "MESOS", "volumes": []]], path: "/",
                 message: "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."),
        // Container.
        RuleCase(overrides: ["container": ["type": "DOCKER", "docker": ["image": ""]]], path: "/container/docker/image",
                 message: "must not be empty"),
        RuleCase(overrides: ["container": ["type": "DOCKER"]], path: "/container/docker", message: "not defined"),
        RuleCase(overrides: ["container": ["type": "RKT"]], path: "/container/type", message: "is not one of (MESOS,DOCKER)"),
        RuleCase(overrides: ["container": ["volumes": [["containerPath": "data", "persistent": ["size": 0]]]],
                             "upgradeStrategy": ["minimumHealthCapacity": 0.5, "maximumOverCapacity": 0]],
                 path: "/container/volumes(0)/persistent/size", message: "got 0, expected more than 0"),
        RuleCase(overrides: ["container": ["volumes": [["containerPath": "var/data", "persistent": ["size": 10]]]]],
                 path: "/container/volumes(0)/containerPath", message: #"value must not contain "/""#),
        RuleCase(overrides: ["container": ["volumes": [["containerPath": "data", "mode": "RO", "persistent": ["size": 10]]]]],
                 path: "/container/volumes(0)/mode", message: "does not equal RW"),
        RuleCase(overrides: ["container": ["volumes": [["containerPath": "data", "persistent": ["size": 10, "maxSize": 20]]]]],
                 path: "/container/volumes(0)/persistent", message: "Only mount volumes can have maxSize"),
        RuleCase(overrides: ["container": ["volumes": [["containerPath": "/data", "hostPath": ""]]]],
                 path: "/container/volumes(0)/hostPath", message: "must not be empty"),
        // Constraints: every operator and its value rule.
        RuleCase(overrides: ["constraints": [["hostname"]]], path: "/constraints(0)", message: "Each constraint must have either 2 or 3 fields"),
        RuleCase(overrides: ["constraints": [["hostname", "UNIQUE", "a", "b"]]], path: "/constraints(0)", message: "Each constraint must have either 2 or 3 fields"),
        RuleCase(overrides: ["constraints": [["hostname", "FOO"]]], path: "/constraints(0)",
                 message: "operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS"),
        RuleCase(overrides: ["constraints": [["", "UNIQUE"]]], path: "/constraints(0)", message: "missing field for constraint declaration"),
        RuleCase(overrides: ["constraints": [["hostname", "UNIQUE", "x"]]], path: "/constraints(0)", message: "UNIQUE does not accept a value"),
        RuleCase(overrides: ["constraints": [["rack", "GROUP_BY", "three"]]], path: "/constraints(0)",
                 message: "GROUP BY must define an integer value or else no value at all"),
        RuleCase(overrides: ["constraints": [["rack", "MAX_PER"]]], path: "/constraints(0)", message: "MAX_PER requires an integer value"),
        RuleCase(overrides: ["constraints": [["rack", "MAX_PER", "2.5"]]], path: "/constraints(0)", message: "MAX_PER requires an integer value"),
        RuleCase(overrides: ["constraints": [["rack", "LIKE"]]], path: "/constraints(0)",
                 message: "LIKE and UNLIKE require a non-empty, regular expression value"),
        RuleCase(overrides: ["constraints": [["rack", "UNLIKE", "r[0-"]]], path: "/constraints(0)", message: "is not a valid regular expression"),
        RuleCase(overrides: ["constraints": [["rack", "IS", "rack one"]]], path: "/constraints(0)",
                 message: "IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)"),
        RuleCase(overrides: ["constraints": ["hostname:UNIQUE"]], path: "/constraints(0)",
                 message: #"expected an array such as ["hostname", "UNIQUE"], got a string ("hostname:UNIQUE")"#),
        // Health checks.
        RuleCase(overrides: ["healthChecks": [["protocol": "HTTP", "portIndex": 3]]], path: "/healthChecks(0)",
                 message: "Health check port indices must address an element of the ports array or container port mappings."),
        RuleCase(overrides: ["portDefinitions": [], "healthChecks": [["protocol": "TCP"]]], path: "/healthChecks(0)",
                 message: "Health check port indices must address an element of the ports array or container port mappings."),
        RuleCase(overrides: ["healthChecks": [["protocol": "HTTP", "port": 8080, "portIndex": 0]]], path: "/healthChecks(0)",
                 message: "HealthCheck must specify either a port or a portIndex"),
        RuleCase(overrides: ["healthChecks": [["protocol": "MESOS_HTTP"], ["protocol": "MESOS_TCP"]]], path: "/",
                 message: "AppDefinition can contain at most one Mesos health check"),
        RuleCase(overrides: ["healthChecks": [["protocol": "HTTP", "ipProtocol": "IPv6"]]], path: "/healthChecks(0)",
                 message: "IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks"),
        RuleCase(overrides: ["healthChecks": [["protocol": "GOPHER"]]], path: "/healthChecks(0)/protocol",
                 message: "is not one of (HTTP,HTTPS,TCP,COMMAND,MESOS_TCP,MESOS_HTTP,MESOS_HTTPS)"),
        RuleCase(overrides: ["healthChecks": [["protocol": "COMMAND"]]], path: "/healthChecks(0)/command",
                 message: #"a COMMAND health check needs a command such as {"value": "curl -f localhost:$PORT0"}"#),
        RuleCase(overrides: ["healthChecks": [["maxConsecutiveFailures": -1]]], path: "/healthChecks(0)/maxConsecutiveFailures",
                 message: "got -1, expected 0 or more"),
        RuleCase(overrides: ["healthChecks": [["gracePeriodSeconds": -10]]], path: "/healthChecks(0)/gracePeriodSeconds",
                 message: "got -10, expected 0 or more"),
        // Readiness checks.
        RuleCase(overrides: ["readinessChecks": [["portName": "nope"]]], path: "/readinessChecks(0)/portName",
                 message: "No port definition reference for portName nope"),
        RuleCase(overrides: ["portDefinitions": [["name": "http-api"]], "readinessChecks": [["intervalSeconds": 5, "timeoutSeconds": 5]]],
                 path: "/readinessChecks(0)/timeoutSeconds", message: "got 5, expected less than 5"),
        RuleCase(overrides: ["portDefinitions": [["name": "http-api"]], "readinessChecks": [["timeoutSeconds": 0]]],
                 path: "/readinessChecks(0)/timeoutSeconds", message: "got 0, expected more than 0"),
        RuleCase(overrides: ["portDefinitions": [["name": "http-api"]], "readinessChecks": [[:], ["name": "second"]]],
                 path: "/readinessChecks", message: "got 2, expected 1 or less"),
        RuleCase(overrides: ["portDefinitions": [["name": "http-api"]], "readinessChecks": [["httpStatusCodesForReady": [200, 99]]]],
                 path: "/readinessChecks(0)/httpStatusCodesForReady(1)", message: "got 99, expected between 100 and 999"),
        RuleCase(overrides: ["portDefinitions": [["name": "http-api"]], "readinessChecks": [["httpStatusCodesForReady": []]]],
                 path: "/readinessChecks(0)/httpStatusCodesForReady", message: "must not be empty"),
        // Ports and networks.
        RuleCase(overrides: ["portDefinitions": [["name": "http"], ["name": "http"]]], path: "/portDefinitions", message: "Port names must be unique."),
        RuleCase(overrides: ["portDefinitions": [["port": 8080], ["port": 8080]]], path: "/portDefinitions", message: "Ports must be unique."),
        RuleCase(overrides: ["portDefinitions": [["port": 70000]]], path: "/portDefinitions(0)/port", message: "got 70000, expected between 0 and 65535"),
        RuleCase(overrides: ["portDefinitions": [["name": "HTTP"]]], path: "/portDefinitions(0)/name",
                 message: "must fully match regular expression '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"),
        RuleCase(overrides: ["portDefinitions": [["protocol": "sctp"]]], path: "/portDefinitions(0)/protocol", message: "is not one of (tcp,udp,udp,tcp)"),
        RuleCase(overrides: ["ports": [0], "portDefinitions": [["port": 0]]], path: "/", message: "cannot specify both ports and port definitions"),
        RuleCase(overrides: ["networks": [["mode": "container", "name": "a"], ["mode": "container", "name": "b"]],
                             "container": ["type": "DOCKER", "docker": ["image": "nginx"]]],
                 path: "/", message: "may only specify a single container network when using the Docker container engine"),
        RuleCase(overrides: ["container": ["volumes": [["containerPath": "/run/secrets/db", "secret": "db"]]]],
                 path: "/container/volumes(0)", message: "volume.secret must refer to an existing secret"),
        RuleCase(overrides: ["uris": ["https://example.com/a.tgz"], "fetch": [["uri": "https://example.com/a.tgz"]]],
                 path: "/uris", message: "may not be set in conjunction with fetch"),
        RuleCase(overrides: ["container": ["volumes": [["containerPath": "data", "persistent": ["size": 10]]]],
                             "unreachableStrategy": ["inactiveAfterSeconds": 60, "expungeAfterSeconds": 120]],
                 path: "/", message: "unreachableStrategy must be disabled for resident tasks"),
        RuleCase(overrides: ["healthChecks": [["protocol": "HTTP"], ["portIndex": 5]]], path: "/healthChecks(1)",
                 message: "Health check port indices must address an element of the ports array or container port mappings."),
        RuleCase(overrides: ["healthChecks": [["portIndex": 70000]]], path: "/healthChecks(0)/portIndex", message: "got 70000, expected between 0 and 65535"),
        RuleCase(overrides: ["instances": 5_000_000_000], path: "/instances",
                 message: "expected a whole number from -2147483648 to 2147483647, got a number (5000000000)"),
        RuleCase(overrides: ["mem": -12_345_678.5], path: "/mem", message: "got -1.23456785E7, expected 0.0 or more"),
        RuleCase(overrides: ["disk": -0.0001], path: "/disk", message: "got -1.0E-4, expected 0.0 or more"),
        RuleCase(overrides: ["networks": [["mode": "container"]]], path: "/networks",
                 message: "Network name must be specified when container network is selected."),
        RuleCase(overrides: ["networks": [["mode": "host", "name": "dcos"]]], path: "/networks", message: "Host networks may not have names or labels"),
        RuleCase(overrides: ["networks": [["mode": "container/bridge", "name": "dcos"]], "portDefinitions": []],
                 path: "/networks", message: "Bridge networks may not have names"),
        RuleCase(overrides: ["networks": [["mode": "host"], ["mode": "container", "name": "dcos"]]], path: "/networks",
                 message: "May specify a single host network, single bridge network, or else 1-to-n container networks"),
        RuleCase(overrides: ["networks": [["mode": "container", "name": "a"], ["mode": "container", "name": "a"]], "portDefinitions": []],
                 path: "/networks", message: "Duplicate networks are not allowed"),
        // Environment and other fields.
        RuleCase(overrides: ["env": ["DB_PASSWORD": ["secret": "db"]]], path: "/env/DB_PASSWORD/secret", message: "references an undefined secret"),
        RuleCase(overrides: ["killSelection": "RANDOM"], path: "/killSelection", message: "is not one of (YOUNGEST_FIRST,OLDEST_FIRST)"),
        // Shapes: wrong JSON types.
        RuleCase(overrides: ["instances": "three"], path: "/instances", message: #"expected a whole number, got a string ("three")"#),
        RuleCase(overrides: ["instances": 2.5], path: "/instances", message: "expected a whole number, got a number (2.5)"),
        RuleCase(overrides: ["labels": ["tier": 1]], path: "/labels/tier", message: "expected a string, got a number (1)"),
        RuleCase(overrides: ["healthChecks": ["HTTP"]], path: "/healthChecks(0)", message: #"expected an object, got a string ("HTTP")"#),
    ]

    @Test(arguments: ruleCases)
    func ruleReportsMarathonsPathAndMessage(_ rule: RuleCase) {
        let report = loadApp(rule.overrides)
        #expect(errorLines(report) == ["\(rule.path): \(rule.message)"])
    }

    static let validVariants: [KeyValuePairs<String, JSONValue>] = [
        ["constraints": [["hostname", "UNIQUE"], ["rack", "cluster", "r1"], ["rack", "GROUP_BY"], ["rack", "GROUP_BY", "3"],
                         ["rack", "MAX_PER", "2"], ["rack", "LIKE", "r[0-9]+"], ["rack", "UNLIKE", "r9"], ["rack", "IS", "r1"],
                         ["@zone", "CLUSTER"]]],
        ["args": ["python3", "-m", "http.server"], "cmd": .null],
        ["cmd": .null, "container": ["type": "DOCKER", "docker": ["image": "nginx:1.25"]]],
        ["instances": 0],
        ["healthChecks": [["protocol": "HTTP", "port": 8080]]],
        ["healthChecks": [["protocol": "COMMAND", "command": ["value": "true"]]]],
        ["healthChecks": [["protocol": "MESOS_HTTP"], ["protocol": "COMMAND", "command": ["value": "true"]]]],
        ["healthChecks": [["protocol": "MESOS_HTTP", "ipProtocol": "IPv6"]], "cmd": .null,
         "container": ["type": "DOCKER", "docker": ["image": "nginx"]]],
        ["networks": [["mode": "container/bridge"]], "container": ["type": "DOCKER", "docker": ["image": "nginx"],
                                                                   "portMappings": [["containerPort": 80, "hostPort": 0, "name": "http"]]],
         "healthChecks": [["protocol": "HTTP"]]],
        ["env": ["DB_PASSWORD": ["secret": "db"]], "secrets": ["db": ["source": "/shop/db-password"]]],
        ["upgradeStrategy": ["minimumHealthCapacity": 0, "maximumOverCapacity": 0]],
        ["labels": ["MARATHON_SINGLE_INSTANCE_APP": "true"], "instances": 1,
         "upgradeStrategy": ["minimumHealthCapacity": 0, "maximumOverCapacity": 0]],
        ["killSelection": "oldest_first"],
        ["portDefinitions": [["name": "a"], ["name": "b"]], "healthChecks": [["protocol": "HTTP"]]],
        ["networks": [["mode": "container/bridge"]], "healthChecks": [["protocol": "HTTP"]]],
        ["labels": ["MARATHON_SINGLE_INSTANCE_APP": "true"], "instances": 1],
        ["constraints": [["rack", "IS"], ["rack", "LIKE", ""]]],
    ]

    @Test(arguments: 0..<validVariants.count)
    func validVariantsPass(_ index: Int) {
        let report = loadApp(Self.validVariants[index])
        #expect(report.isValid, "got \(errorLines(report))")
    }

    @Test func aDroppedCheckDoesNotShiftTheNextOnesPath() {
        let report = loadApp(["healthChecks": [["protocol": "GOPHER"], ["portIndex": 5]]])
        #expect(errorLines(report) == [
            "/healthChecks(0)/protocol: is not one of (HTTP,HTTPS,TCP,COMMAND,MESOS_TCP,MESOS_HTTP,MESOS_HTTPS)",
            "/healthChecks(1): Health check port indices must address an element of the ports array or container port mappings.",
        ])
    }

    @Test func everyErrorIsCollectedNotJustTheFirst() {
        let report = loadApp(["instances": -1, "mem": -3, "upgradeStrategy": ["minimumHealthCapacity": 2, "maximumOverCapacity": 0],
                              "constraints": [["hostname", "UNIQUE", "x"]], "id": "/Web"])
        #expect(report.errors.count == 5)
        #expect(errorLines(report).map { $0.prefix(while: { $0 != ":" }) } ==
                ["/id", "/instances", "/mem", "/constraints(0)", "/upgradeStrategy/minimumHealthCapacity"])
    }
}
