import RollwatchCore
import RollwatchScheduler
import Testing

/// The timer queue: earliest first, and items due at the same time in the order they were added, whether they
/// waited in the line for the current moment, the wheel for the next minute or the heap for later.
@Suite struct EventQueueTests {
    /// Everything left in the queue, as `item@time`, taking what is due by `time`.
    static func drain(_ queue: inout EventQueue<String>, dueBy time: Double = .infinity) -> [String] {
        var order: [String] = []
        while let (time, due) = queue.pop(dueBy: time) { order.append("\(describe(due))@\(time)") }
        return order
    }

    static func describe(_ due: EventQueue<String>.Due) -> String {
        switch due {
        case .item(let item): item
        case .number(let number): "#\(number)"
        }
    }

    @Test func earliestFirstAndTiesInInsertionOrder() {
        var queue = EventQueue<String>()
        queue.push("c", at: 3)
        queue.push("a1", at: 1)
        queue.push("b", at: 2)
        queue.push("a2", at: 1)
        #expect(Self.drain(&queue) == ["a1@1.0", "a2@1.0", "b@2.0", "c@3.0"])
        #expect(queue.isEmpty && queue.count == 0)
    }

    @Test func itemsPushedForTheCurrentMomentKeepTheirPlace() {
        var queue = EventQueue<String>()
        queue.push("first", at: 5)
        queue.push("second", at: 5)
        queue.push("later", at: 7)
        #expect(queue.pop(dueBy: 10).map { Self.describe($0.due) } == "first")
        // Pushed now, for now: after "second", which was added earlier for the same moment.
        queue.push("third", at: 5)
        queue.push("fourth", at: 4)
        #expect(queue.count == 4)
        #expect(queue.nextTime == 5)
        #expect(Self.drain(&queue, dueBy: 10) == ["second@5.0", "third@5.0", "fourth@5.0", "later@7.0"])
    }

    @Test func nothingIsReturnedBeforeItIsDue() {
        var queue = EventQueue<String>()
        queue.push("x", at: 10)
        #expect(queue.pop(dueBy: 9.999) == nil)
        #expect(queue.pop(dueBy: 10).map { Self.describe($0.due) } == "x")
    }

    /// The look ahead names the numbers the wheel hands out next, and nothing for an item or past its first bucket.
    @Test func upcomingNumberIsTheWheelsNextNumber() {
        var queue = EventQueue<String>()
        #expect(queue.upcomingNumber() == nil)
        queue.push(number: 7, at: 1)
        queue.push(number: 8, at: 1.01)
        queue.push("a", at: 1.02)
        queue.push(number: 9, at: 3)
        #expect(queue.upcomingNumber() == 7 && queue.upcomingNumber(offset: 1) == 8)
        #expect(queue.upcomingNumber(offset: 2) == nil, "an item")
        _ = queue.pop(dueBy: 1.01)
        _ = queue.pop(dueBy: 1.01)
        #expect(queue.upcomingNumber() == nil, "the item comes first")
        #expect(queue.upcomingNumber(offset: 1) == nil, "9 is in a later bucket")
        _ = queue.pop(dueBy: 2)
        #expect(queue.upcomingNumber() == 9)
    }

    /// Numbers (a driver's tokens) interleave with items by time and order of adding; large ones too.
    @Test func numbersComeOutInPlaceWhateverTheirSize() {
        var queue = EventQueue<String>()
        queue.push(number: 7, at: 2)
        queue.push("a", at: 1)
        queue.push(number: Int.max, at: 2)
        queue.push("b", at: 2)
        queue.push(number: 0, at: 1)
        queue.push(number: -5, at: 2)
        #expect(Self.drain(&queue) == ["a@1.0", "#0@1.0", "#7@2.0", "#9223372036854775807@2.0", "b@2.0", "#-5@2.0"])
    }

    /// Times far ahead (past the wheel's minute), negative, fractional within one bucket, and infinite all come
    /// out in order, also when later pushes land before the wheel's first bucket.
    @Test func wheelAndHeapAgreeOnOrder() {
        var queue = EventQueue<String>()
        queue.push("far", at: 500)
        queue.push("never", at: .infinity)
        queue.push("negative", at: -3)
        queue.push("b2", at: 10.03)
        queue.push("b1", at: 10.01)
        queue.push("minute", at: 64.5)
        #expect(queue.pop(dueBy: 0).map { Self.describe($0.due) } == "negative")
        queue.push("soon", at: 0.5)
        queue.push("b0", at: 10.01)
        #expect(Self.drain(&queue, dueBy: 1_000) == ["soon@0.5", "b1@10.01", "b0@10.01", "b2@10.03", "minute@64.5", "far@500.0"])
        #expect(queue.count == 1 && queue.nextTime == .infinity)
    }

    /// Against a plain model (every entry's time is at least the moment being processed when it was added; ties
    /// by order of adding) over 6,000 seeded operations mixing pushes near and far, numbers and pops.
    @Test func matchesAModelOverRandomOperations() {
        struct Model {
            var entries: [(time: Double, sequence: Int, label: String)] = []
            var now = -Double.infinity
            var sequence = 0
            mutating func push(_ label: String, at time: Double) {
                entries.append((max(time, now), sequence, label))
                sequence += 1
            }
            mutating func pop(dueBy time: Double) -> String? {
                guard let index = entries.indices.min(by: { (entries[$0].time, entries[$0].sequence) < (entries[$1].time, entries[$1].sequence) }),
                      entries[index].time <= time else { return nil }
                let entry = entries.remove(at: index)
                now = entry.time
                return "\(entry.label)@\(entry.time)"
            }
        }
        var random = SeededGenerator(seed: 42)
        var queue = EventQueue<String>()
        var model = Model()
        var clock = 0.0
        for step in 0..<6_000 {
            let roll = random.next() % 10
            if roll < 5 {
                let offsets: [Double] = [0, 0.001, 0.0625, 0.25, 1, 2.5, 5, 63.99, 64, 120, -1]
                let time = clock + offsets[Int(random.next() % UInt64(offsets.count))] * Double(random.next() % 3 + 1) / 2
                if random.next() % 4 == 0 {
                    let number = Int(random.next() % 2 == 0 ? random.next() % 100 : (1 << 60) + random.next() % 100)
                    queue.push(number: number, at: time)
                    model.push("#\(number)", at: time)
                } else {
                    queue.push("i\(step)", at: time)
                    model.push("i\(step)", at: time)
                }
            } else {
                clock += Double(random.next() % 100) / 40
                let popped = queue.pop(dueBy: clock).map { "\(Self.describe($0.due))@\($0.time)" }
                #expect(popped == model.pop(dueBy: clock), "step \(step)")
            }
            #expect(queue.count == model.entries.count)
        }
        var rest: [String] = []
        while let entry = model.pop(dueBy: .infinity) { rest.append(entry) }
        #expect(Self.drain(&queue) == rest)
    }
}
