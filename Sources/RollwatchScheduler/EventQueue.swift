/// A min-heap of timed items; items due at the same time come out in the order they were added, which keeps
/// every run with the same inputs identical. The heap itself holds only times, sequence numbers and slot
/// numbers; the items wait in a slab beside it, so that sifting moves plain numbers and never touches reference
/// counts (the items carry strings). Items pushed for the moment being processed (most driver reports) skip the
/// heap: they wait in a first-in, first-out line that is merged with the heap by sequence number.
public struct EventQueue<Item> {
    /// A heap entry: when, in what order, and where the item waits, in 16 bytes (four siblings in one or two
    /// cache lines): the sequence number in the high 40 bits of `order`, the slot in the low 24. More than 2^24
    /// items waiting at once (16 million) would not fit; a fleet has a few per instance.
    private struct Entry {
        let time: Double
        let order: UInt64

        init(time: Double, sequence: UInt64, slot: Int) {
            self.time = time
            order = sequence << Self.slotBits | UInt64(truncatingIfNeeded: slot) & Self.slotMask
        }

        static var slotBits: UInt64 { 24 }
        static var slotMask: UInt64 { 1 << slotBits - 1 }

        var sequence: UInt64 { order >> Self.slotBits }
        var slot: Int { Int(order & Self.slotMask) }

        /// Earlier time first; at the same time, the one added first (the higher bits of `order`).
        func precedes(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && order < other.order)
        }
    }

    /// An item in the line for the moment being processed. A struct, not a tuple: arrays of tuples are copied
    /// and destroyed through generic witnesses.
    private struct Waiting {
        let sequence: UInt64
        let item: Item
    }

    /// Children per heap node: a four-way heap is half as deep as a binary one, and a node's children share a
    /// cache line or two, which matters once the heap outgrows the caches (100,000 instances' timers).
    private static var arity: Int { 4 }

    private var heap: [Entry] = []
    private var items: [Item?] = []
    private var freeSlots: [Int] = []
    private var nextSequence: UInt64 = 0
    /// The time of the last item popped: an item pushed for it (or earlier) goes to `current`.
    private var currentTime = -Double.infinity
    private var current: [Waiting] = []
    private var currentHead = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty && currentHead == current.count }
    public var count: Int { heap.count + current.count - currentHead }
    /// The time of the earliest item.
    public var nextTime: Double? { currentHead < current.count ? currentTime : heap.first?.time }

    public mutating func push(_ item: Item, at time: Double) {
        if time <= currentTime {
            current.append(Waiting(sequence: nextSequence, item: item))
            nextSequence &+= 1
            return
        }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            items[slot] = item
        } else {
            slot = items.count
            precondition(slot <= Int(Entry.slotMask), "more than \(Entry.slotMask) timers waiting at once")
            items.append(item)
        }
        heap.append(Entry(time: time, sequence: nextSequence, slot: slot))
        nextSequence &+= 1
        var child = heap.count - 1
        let entry = heap[child]
        while child > 0 {
            let parent = (child - 1) / Self.arity
            guard entry.precedes(heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    /// Removes and returns the earliest item if it is due at or before `time`.
    public mutating func pop(dueBy time: Double) -> (time: Double, item: Item)? {
        if currentHead < current.count, currentTime <= time {
            let waiting = current[currentHead]
            if let top = heap.first, top.time == currentTime, top.sequence < waiting.sequence {
                return popHeap()
            }
            currentHead += 1
            if currentHead == current.count {
                current.removeAll(keepingCapacity: true)
                currentHead = 0
            }
            return (currentTime, waiting.item)
        }
        guard let first = heap.first, first.time <= time else { return nil }
        return popHeap()
    }

    private mutating func popHeap() -> (time: Double, item: Item)? {
        guard let first = heap.first else { return nil }
        currentTime = first.time
        let last = heap.removeLast()
        if !heap.isEmpty {
            var parent = 0
            let count = heap.count
            while true {
                let first = Self.arity * parent + 1
                guard first < count else { break }
                var child = first
                var sibling = first + 1
                let end = min(first + Self.arity, count)
                while sibling < end {
                    if heap[sibling].precedes(heap[child]) { child = sibling }
                    sibling += 1
                }
                guard heap[child].precedes(last) else { break }
                heap[parent] = heap[child]
                parent = child
            }
            heap[parent] = last
        }
        let item = items[first.slot].take()
        freeSlots.append(first.slot)
        guard let item else { return nil }
        return (first.time, item)
    }
}
