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
        #expect(api.dependencies == [PathId("/prod/cache")], "../cache from /prod/service/api is /prod/cache")
        let service = try #require(root.transitiveGroups.first { $0.id == PathId("/prod/service") })
        #expect(service.dependencies == [PathId("/prod/database")])
    }

    @Test func groupDependenciesApplyToEveryAppInside() throws {
        let lengths = try #require(decodedGroup(load(Self.nested))).dependencyPathLengths
        // worker depends on nothing itself, but its group depends on the database group.
        #expect(lengths[PathId("/prod/service/worker")] == 2)
        #expect(lengths[PathId("/prod/service/api")] == 2)
        // haproxy depends on the service group: on its deepest app.
        #expect(lengths[PathId("/prod/edge/lb/haproxy")] == 3)
        #expect(lengths[PathId("/prod/database/mongo")] == 1)
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

    @Test func dependenciesThatPointNowhereAreWarnings() {
        let report = load(#"{"id": "/shop", "apps": [{"id": "api", "cmd": "x", "dependencies": ["db", "/shop/cache"]}, {"id": "cache", "cmd": "x"}]}"#)
        #expect(report.isValid, "Marathon ignores such a dependency, so the file stays valid")
        #expect(warningLines(report) == ["/apps(0)/dependencies(0): /shop/db is not an app, pod or group in this file; /shop/api will not wait for it"])
        let lone = loadApp(["dependencies": ["/shop/db"]])
        #expect(lone.isValid)
        #expect(warningLines(lone) == ["/dependencies(0): /shop/db is not an app, pod or group in this file; /web will not wait for it"])
    }

    @Test func longDependencyChainsAndWideGroupDependenciesStayCheap() {
        // 50,000 apps in a chain: far deeper than a recursive walk could go on a thread's stack.
        let chain = GroupDefinition(id: PathId("/chain"), apps: (0..<50_000).map { index in
            AppDefinition(id: PathId("/chain/a\(index)"), cmd: "x", dependencies: index > 0 ? [PathId("/chain/a\(index - 1)")] : [])
        })
        #expect(chain.dependencyPathLengths[PathId("/chain/a49999")] == 50_000)
        // Two groups of 5,000 apps, one depending on the other: 10,000 edges through a group node, not 25 million.
        func apps(_ group: String) -> [AppDefinition] {
            (0..<5_000).map { AppDefinition(id: PathId("/w/\(group)/x\($0)"), cmd: "x") }
        }
        let wide = GroupDefinition(id: PathId("/w"), groups: [
            GroupDefinition(id: PathId("/w/one"), apps: apps("one")),
            GroupDefinition(id: PathId("/w/two"), apps: apps("two"), dependencies: [PathId("/w/one")]),
        ])
        #expect(wide.dependencyClasses.map(\.count) == [5_000, 5_000])
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
