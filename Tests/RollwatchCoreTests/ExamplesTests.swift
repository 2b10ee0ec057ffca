import Foundation
import RollwatchCore
import Testing

/// The files in Examples/ are what a newcomer opens first: each must decode and validate.
@Suite struct ExamplesTests {
    static let examples: [(file: String, kind: Definition.Kind, id: String)] = [
        ("python-web.json", .app, "/python-web"),
        ("python-web-v2.json", .app, "/python-web"),
        ("shop-group.json", .group, "/shop"),
        ("web-pod.json", .pod, "/web-pod"),
        ("postgres-resident.json", .app, "/postgres"),
        ("local-web.json", .app, "/local-web"),
        ("local-web-v2.json", .app, "/local-web"),
        ("local-web-v3-broken.json", .app, "/local-web"),
    ]

    @Test(arguments: examples.map(\.file))
    func exampleDecodesAndValidatesWithoutWarnings(_ file: String) throws {
        let report = DefinitionLoader.load(try exampleBytes(file))
        let expected = try #require(Self.examples.first { $0.file == file })
        #expect(report.isValid, "\(errorLines(report))")
        #expect(report.warnings.isEmpty, "\(warningLines(report))")
        #expect(report.definition?.kind == expected.kind)
        #expect(report.definition?.id.description == expected.id)
    }

    @Test func everyExampleFileIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: packageRoot + "/Examples").filter { $0.hasSuffix(".json") }
        #expect(Set(files) == Set(Self.examples.map(\.file)))
    }

    @Test func seedExampleIsTheRollingUpgradeOfTheBrief() throws {
        let app = try #require(decodedApp(DefinitionLoader.load(try exampleBytes("python-web.json"))))
        let v2 = try #require(decodedApp(DefinitionLoader.load(try exampleBytes("python-web-v2.json"))))
        #expect(app.instances == 20)
        #expect(app.image == "python:3.5" && v2.image == "python:3.6")
        #expect(app.cmd == "sleep 5 && python3 -m http.server $PORT0")
        #expect(app.upgradeStrategy == UpgradeStrategy(minimumHealthCapacity: 0.85, maximumOverCapacity: 0.15))
        #expect(app.healthChecks.first?.protocol == .http && app.healthChecks.first?.portIndex == 0)
        #expect((app.healthChecks.first?.intervalSeconds ?? 60) <= 5)
        var same = v2
        same.container = app.container
        #expect(same == app, "v2 differs from v1 only in its image")
        let restart = RestartStrategy(steady: .app(app))
        #expect(restart == RestartStrategy(minHealthy: 17, maxCapacity: 23, killImmediately: 3))
    }

    @Test func groupExampleDeploysDatabaseThenServiceThenFrontend() throws {
        let shop = try #require(decodedGroup(DefinitionLoader.load(try exampleBytes("shop-group.json"))))
        #expect(shop.dependencyClasses.map { $0.map(\.description) } == [["/shop/db"], ["/shop/api"], ["/shop/web"]])
    }

    @Test func residentExampleIsResident() throws {
        let postgres = try #require(decodedApp(DefinitionLoader.load(try exampleBytes("postgres-resident.json"))))
        #expect(postgres.isResident)
        #expect(postgres.upgradeStrategy == .resident)
        #expect(RestartStrategy(steady: .app(postgres)) == RestartStrategy(minHealthy: 2, maxCapacity: 3, killImmediately: 1))
    }
}

/// The bytes of a file in Examples/.
func exampleBytes(_ file: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Examples/" + file)))
}

extension RestartStrategy {
    init(minHealthy: Int, maxCapacity: Int, killImmediately: Int) {
        self.init(instances: 0, strategy: .standard, isResident: false, healthyCount: 0, currentCount: 0)
        self.minHealthy = minHealthy
        self.maxCapacity = maxCapacity
        self.killImmediately = killImmediately
    }
}
