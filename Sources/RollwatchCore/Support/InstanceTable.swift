/// A table keyed by instance id for the rollout machines. An id that ends in a counter, as the scheduler makes
/// them (`web.000f`, see `InstanceId.ordinal`), is kept in an array by that counter; any other id, one whose place
/// is taken, and one whose counter is too far from the others' for the array to reach it, in a dictionary.
///
/// A run spec's instances are numbered in launch order, and the machines go through them mostly in that order:
/// old instances are killed and confirmed gone in the order of the fleet, new ones turn healthy in about the
/// order they were launched. In the array those steps walk neighbouring entries; in a hash table each is a jump
/// to a random bucket, and with 100,000 instances the table no longer fits the caches.
public struct InstanceTable<Value> {
    /// An id and its value, at its place in `dense`.
    fileprivate struct Entry {
        let id: InstanceId
        var value: Value
    }

    /// The counter of the id at `dense[0]`: set by the first id with a counter, so a run spec numbered from
    /// 100,001 on does not keep 100,000 empty places.
    private var base = 0
    private var dense: [Entry?] = []
    private var others: [InstanceId: Value] = [:]
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// The value kept for `id`, if any; setting nil removes it.
    public subscript(id: InstanceId) -> Value? {
        get {
            if let index = denseIndex(of: id), let entry = dense[index], entry.id == id { return entry.value }
            return others.isEmpty ? nil : others[id]
        }
        set {
            if let newValue { modify(id, default: newValue) { $0 = newValue } } else { removeValue(forKey: id) }
        }
    }

    public func contains(_ id: InstanceId) -> Bool {
        self[id] != nil
    }

    /// Removes the value kept for `id` and returns it.
    @discardableResult
    public mutating func removeValue(forKey id: InstanceId) -> Value? {
        if let index = denseIndex(of: id), let entry = dense[index], entry.id == id {
            dense[index] = nil
            count -= 1
            return entry.value
        }
        guard !others.isEmpty, let removed = others.removeValue(forKey: id) else { return nil }
        count -= 1
        return removed
    }

    /// Changes the value kept for `id` in place, adding `defaultValue` first when there is none.
    public mutating func modify<Result>(_ id: InstanceId, default defaultValue: Value, _ body: (inout Value) -> Result) -> Result {
        if let index = denseIndex(of: id), var entry = dense[index], entry.id == id {
            let result = body(&entry.value)
            dense[index] = entry
            return result
        }
        if others.isEmpty || others[id] == nil {
            if let index = placeForNew(id) {
                var value = defaultValue
                let result = body(&value)
                dense[index] = Entry(id: id, value: value)
                count += 1
                return result
            }
            count += 1
        }
        return body(&others[id, default: defaultValue])
    }

    /// The place in `dense` an id with a counter has, if it is within the array.
    private func denseIndex(of id: InstanceId) -> Int? {
        guard !dense.isEmpty, let ordinal = id.ordinal else { return nil }
        let index = ordinal - base
        return index >= 0 && index < dense.count ? index : nil
    }

    /// A free place in `dense` for an id not in the table, growing the array at its end, or at its start when the
    /// counter is below `base` (instances turn healthy a little out of launch order); nil when the id belongs in
    /// `others`. It grows by half its size or more at the start, so that moving it costs little over time, and
    /// stays within three times the most ids kept at once, plus 1,600.
    private mutating func placeForNew(_ id: InstanceId) -> Int? {
        guard let ordinal = id.ordinal else { return nil }
        if dense.isEmpty { base = ordinal }
        let limit = max(dense.count, 2 * count + 1_024)
        var index = ordinal - base
        if index < 0 {
            guard dense.count - index <= limit else { return nil }
            let shift = min(base, max(-index, dense.count / 2, 64))
            dense.insert(contentsOf: repeatElement(nil, count: shift), at: 0)
            base -= shift
            index += shift
        }
        guard index < limit else { return nil }
        if index >= dense.count { dense.append(contentsOf: repeatElement(nil, count: index - dense.count + 1)) }
        return dense[index] == nil ? index : nil
    }
}

/// A set of instance ids, kept as `InstanceTable` keeps its keys.
public typealias InstanceSet = InstanceTable<InstanceSetMember>

/// What an `InstanceSet` keeps for each of its ids: that it is there.
public struct InstanceSetMember: Sendable, Hashable {}

extension InstanceTable where Value == InstanceSetMember {
    /// A set of `ids`.
    public init<Ids: Sequence>(_ ids: Ids) where Ids.Element == InstanceId {
        self.init()
        for id in ids { insert(id) }
    }

    public mutating func insert(_ id: InstanceId) {
        self[id] = InstanceSetMember()
    }

    /// Removes `id`; whether it was there.
    @discardableResult
    public mutating func remove(_ id: InstanceId) -> Bool {
        removeValue(forKey: id) != nil
    }
}

extension InstanceTable: Sendable where Value: Sendable {}
extension InstanceTable.Entry: Sendable where Value: Sendable {}

extension InstanceTable: Equatable where Value: Equatable {
    /// The same ids with the same values, wherever each is kept.
    public static func == (lhs: InstanceTable, rhs: InstanceTable) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for entry in lhs.dense {
            guard let entry else { continue }
            guard rhs[entry.id] == entry.value else { return false }
        }
        return lhs.others.allSatisfy { rhs[$0.key] == $0.value }
    }
}

extension InstanceTable: Hashable where Value: Hashable {
    /// The ids and values, in no order (a sum of each pair's hash), so that equal tables hash alike however their
    /// ids are kept.
    public func hash(into hasher: inout Hasher) {
        func entryHash(_ id: InstanceId, _ value: Value) -> Int {
            var entryHasher = Hasher()
            entryHasher.combine(id)
            entryHasher.combine(value)
            return entryHasher.finalize()
        }
        var sum = 0
        for entry in dense {
            if let entry { sum &+= entryHash(entry.id, entry.value) }
        }
        for (id, value) in others { sum &+= entryHash(id, value) }
        hasher.combine(count)
        hasher.combine(sum)
    }
}
