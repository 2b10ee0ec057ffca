import RollwatchScheduler
import Testing

/// The timer queue: earliest first, and items due at the same time in the order they were added, whether they
/// went through the heap or the line for the current moment.
@Suite struct EventQueueTests {
    @Test func earliestFirstAndTiesInInsertionOrder() {
        var queue = EventQueue<String>()
        queue.push("c", at: 3)
        queue.push("a1", at: 1)
        queue.push("b", at: 2)
        queue.push("a2", at: 1)
        var order: [String] = []
        while let (_, item) = queue.pop(dueBy: .infinity) { order.append(item) }
        #expect(order == ["a1", "a2", "b", "c"])
        #expect(queue.isEmpty && queue.count == 0)
    }

    @Test func itemsPushedForTheCurrentMomentKeepTheirPlace() {
        var queue = EventQueue<String>()
        queue.push("first", at: 5)
        queue.push("second", at: 5)
        queue.push("later", at: 7)
        #expect(queue.pop(dueBy: 10)?.item == "first")
        // Pushed now, for now: after "second", which was added earlier for the same moment.
        queue.push("third", at: 5)
        queue.push("fourth", at: 5)
        #expect(queue.count == 4)
        #expect(queue.nextTime == 5)
        var order: [String] = []
        while let (time, item) = queue.pop(dueBy: 10) { order.append("\(item)@\(Int(time))") }
        #expect(order == ["second@5", "third@5", "fourth@5", "later@7"])
    }

    @Test func nothingIsReturnedBeforeItIsDue() {
        var queue = EventQueue<Int>()
        queue.push(1, at: 10)
        #expect(queue.pop(dueBy: 9.999) == nil)
        #expect(queue.pop(dueBy: 10)?.item == 1)
    }
}
