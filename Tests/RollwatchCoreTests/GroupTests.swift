import RollwatchCore
import Testing

/// Groups: id resolution against parents, dependencies, cycles and Marathon's group rules.
@Suite struct GroupTests {
    static let nested = #"""
    {
      "id": "/prod",
      "groups": [
        { "id": "database", "apps": [ { "id": "mongo", "cmd": "x" } ] },
        { "id": "/prod/service", "dependencies": ["../database"],
          "apps": [ { "id": "api", "cmd": "x", "dependencies": ["../cache"] },
                    { "id": "/prod/service/worker", "cmd": "x" } ] },
        { "id": "cache", "apps": [ { "id": "redis", "cmd": "x", "instances": 2 } ] },
        { "id": "edge", "groups": [ { "id": "lb", "apps": [ { "id": "haproxy", "cmd": "x", "dependencies": ["/prod/service"] } ] } ] }
      ]
    }
    """#

    @Test func relativeIdsResolveAgainstTheParentGroup() throws {
        let report = load(Self.nested)
        #expect(report.isValid, "\(errorLines(report))")
        let root = try #require(decodedGroup(report))
        #expect(root.transitiveApps.map(\.id.description) ==
                ["/prod/database/mongo", "/prod/service/api", "/prod/service/worker", "/prod/cache/redis", "/prod/edge/lb/haproxy"])
        #expect(root.transitiveGroups.map(\.id.description) ==
                ["/prod", "/prod/database", "/prod/service", "/prod/cache", "/prod/edge", "/prod/edge/lb"])
    }

    @Test func dependenciesResolveAgainstTheirOwner() throws {
        let root = try #require(decodedGroup(load(Self.nested)))
        let api = try #require(root.transitiveApps.first { $0.id == PathId("/prod/service/api") })
        #expect(api.dependencies == [PathId("/prod/service/cache")].map { _ in PathId("/prod/cache") })
        let service = try #require(root.transitiveGroups.first { $0.id == PathId("/prod/service") })
        #expect(service.dependencies == [PathId("/prod/database")])
    }

    @Test func groupDependenciesApplyToEveryAppInside() throws {
        let root = try #require(decodedGroup(load(Self.nested)))
        let edges = root.runSpecDependencies
        #expect(edges[PathId("/prod/service/worker")] == [PathId("/prod/database/mongo")])
        #expect(edges[PathId("/prod/service/api")] == [PathId("/prod/database/mongo"), PathId("/prod/cache/redis")])
        #expect(edges[PathId("/prod/edge/lb/haproxy")] == [PathId("/prod/service/api"), PathId("/prod/service/worker")])
    }

    @Test func dependencyClassesFollowTheLongestPath() throws {
        let root = try #require(decodedGroup(load(Self.nested)))
        #expect(root.dependencyClasses.map { $0.map(\.description) } == [
            ["/prod/cache/redis", "/prod/database/mongo"],
            ["/prod/service/api", "/prod/service/worker"],
            ["/prod/edge/lb/haproxy"],
        ])
    }

    /// Marathon's own test "partition a complex group": a→{b,c}, b→c, c→d, e.
    @Test func partitionsAComplexGroupAsMarathonDoes() throws {
        let report = load(#"""
        {"id": "/test", "apps": [
          {"id": "a", "cmd": "x", "dependencies": ["b", "c"]}, {"id": "b", "cmd": "x", "dependencies": ["c"]},
          {"id": "c", "cmd": "x", "dependencies": ["d"]}, {"id": "d", "cmd": "x"}, {"id": "e", "cmd": "x"}]}
        """#)
        #expect(try #require(decodedGroup(report)).dependencyClasses.map { $0.map(\.name) } == [["d", "e"], ["c"], ["b"], ["a"]])
    }

    @Test func cyclesAreRejectedAndNamed() {
        let report = load(#"""
        {"id": "/shop", "apps": [
          {"id": "a", "cmd": "x", "dependencies": ["b"]}, {"id": "b", "cmd": "x", "dependencies": ["c"]},
          {"id": "c", "cmd": "x", "dependencies": ["/shop/a"]}]}
        """#)
        #expect(errorLines(report) == ["/: Dependency graph has cyclic dependencies."])
        #expect(report.errors.first?.detail == "cycle: /shop/a → /shop/b → /shop/c → /shop/a")
    }

    @Test func groupLevelCyclesAreFoundToo() {
        let report = load(#"""
        {"id": "/x", "groups": [
          {"id": "one", "dependencies": ["../two"], "apps": [{"id": "a", "cmd": "x"}]},
          {"id": "two", "dependencies": ["../one"], "apps": [{"id": "b", "cmd": "x"}]}]}
        """#)
        #expect(errorLines(report) == ["/: Dependency graph has cyclic dependencies."])
    }

    @Test func dependenciesThatPointNowhereAreErrorsInAGroup() {
        let report = load(#"{"id": "/shop", "apps": [{"id": "api", "cmd": "x", "dependencies": ["db", "/shop/cache"]}, {"id": "cache", "cmd": "x"}]}"#)
        #expect(errorLines(report) == [
            "/apps(0)/dependencies(0): /shop/db is not an app, pod or group in this file; Marathon would ignore this dependency without a word",
        ])
    }

    @Test func dependenciesOfALoneAppOnlyWarn() {
        let report = loadApp(["dependencies": ["/shop/db"]])
        #expect(report.isValid)
        #expect(warningLines(report) == [
            "/dependencies(0): /shop/db is not defined in this file; rollwatch deploys /web on its own and does not wait for it",
        ])
    }

    @Test func appsMustBeDirectChildrenOfTheirGroup() {
        let report = load(#"{"id": "/shop", "apps": [{"id": "/other/api", "cmd": "x"}], "groups": [{"id": "/elsewhere", "apps": []}]}"#)
        #expect(errorLines(report) == [
            "/apps(0)/id: Identifier is not child of '/shop'",
            "/groups(0)/id: Identifier is not child of '/shop'",
        ])
    }

    @Test func appsPodsAndGroupsMayNotShareAnId() {
        let report = load(#"""
        {"id": "/shop", "apps": [{"id": "api", "cmd": "x"}, {"id": "web", "cmd": "x"}, {"id": "web", "cmd": "y"}],
         "groups": [{"id": "api", "apps": []}]}
        """#)
        #expect(errorLines(report) == [
            "/: Groups and Applications may not have the same identifier.",
            "/apps(2)/id: /shop/web is defined more than once in this group; Marathon would keep only the last one",
        ])
    }

    @Test func enforceRoleOnlyAtTheTop() {
        let report = load(#"{"id": "/prod", "enforceRole": true, "groups": [{"id": "second", "enforceRole": true, "apps": []}]}"#)
        #expect(errorLines(report) == ["/groups(0)/enforceRole: enforceRole can only be set for top-level groups, and /prod/second is not top-level"])
    }

    @Test func errorsInsideNestedAppsCarryTheirFullPath() {
        let report = load(#"{"id": "/shop", "groups": [{"id": "api", "apps": [{"id": "web", "cmd": "x", "instances": -1}]}]}"#)
        #expect(errorLines(report) == ["/groups(0)/apps(0)/instances: got -1, expected 0 or more"])
    }

    @Test func aGroupWithoutAnIdIsTheRoot() throws {
        let root = try #require(decodedGroup(load(#"{"apps": [{"id": "web", "cmd": "x"}]}"#)))
        #expect(root.id.isRoot)
        #expect(root.apps.map(\.id) == [PathId("/web")])
    }

    @Test(arguments: [
        ("/a/b/../c", "/a/c"), ("a/./b", "/a/b"), ("../../x", "/x"), ("/", "/"), ("//a//b/", "/a/b"),
    ])
    func pathIdsCanonicalise(_ written: String, _ canonical: String) {
        #expect(PathId(written).canonical(relativeTo: .root).description == canonical)
    }

    @Test func relativePathIdResolvesAgainstABase() {
        #expect(PathId("../db").canonical(relativeTo: PathId("/shop/api")).description == "/shop/db")
        #expect(PathId("db").canonical(relativeTo: PathId("/shop")).description == "/shop/db")
    }
}
