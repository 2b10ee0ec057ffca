import RollwatchCore
import Testing

/// `InstanceTable` keeps ids with a counter in an array and others in a dictionary; whatever the mix, it must
/// answer as a dictionary would.
@Suite struct InstanceTableTests {
    @Test func ordinalIsTheHexadecimalCounterAfterTheLastDot() {
        #expect(InstanceId("web.000f").ordinal == 15)
        #expect(InstanceId("shop_cart.186a1").ordinal == 100_001)
        #expect(InstanceId("a.b.0010").ordinal == 16)
        #expect(InstanceId("web.").ordinal == nil)
        #expect(InstanceId("web.00G1").ordinal == nil)
        #expect(InstanceId("web.00AF").ordinal == nil, "uppercase is not how the scheduler writes them")
        #expect(InstanceId("0001").ordinal == nil, "no dot")
        #expect(InstanceId("old-1").ordinal == nil)
        #expect(InstanceId("web.1234567890abcdef1").ordinal == nil, "too long for a counter")
    }

    @Test func idsOfTwoRunSpecsWithTheSameCountersAreKeptApart() {
        var table = InstanceTable<Int>()
        table[InstanceId("web.0001")] = 1
        table[InstanceId("api.0001")] = 2
        table[InstanceId("custom-id")] = 3
        #expect(table.count == 3)
        #expect(table[InstanceId("web.0001")] == 1 && table[InstanceId("api.0001")] == 2 && table[InstanceId("custom-id")] == 3)
        #expect(table.removeValue(forKey: InstanceId("web.0001")) == 1)
        #expect(table[InstanceId("api.0001")] == 2, "kept apart, so still there")
        // The place freed by web.0001 must not hide api.0001, which was kept elsewhere.
        table[InstanceId("api.0001")] = 5
        #expect(table.count == 2 && table[InstanceId("api.0001")] == 5)
        #expect(table.removeValue(forKey: InstanceId("api.0001")) == 5)
        #expect(table[InstanceId("api.0001")] == nil && table.count == 1)
    }

    @Test func equalityDoesNotDependOnWhereIdsAreKept() {
        var first = InstanceSet()
        first.insert(InstanceId("web.0001"))
        first.insert(InstanceId("api.0001"))
        var second = InstanceSet()
        second.insert(InstanceId("api.0001"))
        second.insert(InstanceId("web.0001"))
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        second.remove(InstanceId("web.0001"))
        #expect(first != second)
    }

    /// Seeded random inserts, updates, removals and lookups of ids from three run specs (counters near and far
    /// apart) and of ids without a counter, against a dictionary.
    @Test func agreesWithADictionary() {
        var random = SeededGenerator(seed: 11)
        var table = InstanceTable<Int>()
        var model: [InstanceId: Int] = [:]
        let prefixes = ["web", "api", "a_b"]
        for step in 0..<20_000 {
            let prefix = prefixes[Int(random.next() % 3)]
            let counter = Int(random.next() % 4 == 0 ? random.next() % 50_000 : 3_000 + random.next() % 400)
            let id = random.next() % 10 == 0 ? InstanceId("custom-\(counter % 300)") : InstanceId("\(prefix).\(String(counter, radix: 16))")
            switch random.next() % 4 {
            case 0, 1:
                table[id] = step
                model[id] = step
            case 2:
                #expect(table.removeValue(forKey: id) == model.removeValue(forKey: id), "step \(step)")
            default:
                let added = table.modify(id, default: 0) { value -> Int in
                    value += 1
                    return value
                }
                model[id, default: 0] += 1
                #expect(added == model[id], "step \(step)")
            }
            #expect(table[id] == model[id], "step \(step)")
            #expect(table.count == model.count, "step \(step)")
        }
        #expect(model.allSatisfy { table[$0.key] == $0.value })
    }
}
