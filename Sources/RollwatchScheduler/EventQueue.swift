/// The scheduler's timers: items and numbers (a driver's wake tokens), each due at a time. They come out
/// earliest first, and those due at the same time in the order they were added, which keeps every run with the
/// same inputs identical.
///
/// Three places hold what waits, all ordered by the same (time, sequence) key, and `pop` takes the earliest head:
/// - the line for the moment being processed: what is pushed for it (most driver reports), first in, first out;
/// - a timing wheel for the next `wheelSpan` seconds: one bucket per `bucketWidth` seconds, appended to as
///   timers are set and sorted once when its turn comes. Timers are mostly set a few seconds ahead, so pushes
///   and pops walk a few buckets in order instead of sifting through a heap that outgrows the caches;
/// - a four-way heap for anything later (deadlines, long back-offs).
///
/// Entries are 24 bytes: the time, the sequence number and a payload. A number is the payload itself (a driver's
/// token can then say everything its wake needs, with no table of its own to look in); an item waits in a slab
/// beside the entries and the payload is its slot there, so that moving entries never touches reference counts
/// (items carry strings).
public struct EventQueue<Item> {
    /// What comes out: an item, or a number pushed with `push(number:at:)`.
    public enum Due {
        case item(Item)
        case number(Int)
    }

    /// When, in what order, and what: the sequence number in the high 63 bits of `order`, then one bit saying
    /// whether `payload` is a number or a slot of the slab.
    private struct Entry {
        let time: Double
        let order: UInt64
        let payload: Int

        init(time: Double, sequence: UInt64, payload: Int, isNumber: Bool) {
            self.time = time
            order = sequence << 1 | (isNumber ? 1 : 0)
            self.payload = payload
        }

        var sequence: UInt64 { order >> 1 }
        var isNumber: Bool { order & 1 != 0 }

        /// Earlier time first; at the same time, the one added first (the higher bits of `order`).
        func precedes(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && order < other.order)
        }
    }

    /// What is due at the moment being processed, in the order it was pushed. A struct, not a tuple: arrays of
    /// tuples are copied and destroyed through generic witnesses.
    private struct Waiting {
        let sequence: UInt64
        let due: Due
    }

    /// One slot of the wheel: the entries of one `bucketWidth` of time, sorted from `head` on once `sorted`.
    private struct Bucket {
        var entries: [Entry] = []
        var head = 0
        var sorted = true
    }

    /// Seconds per bucket of the wheel, and buckets in it (a power of two): the wheel covers 64 s ahead.
    private static var bucketWidth: Double { 1.0 / 16 }
    private static var bucketCount: Int { 1_024 }
    /// Children per node of the heap for later timers.
    private static var arity: Int { 4 }

    private var slab: [Due?] = []
    private var freeSlots: [Int] = []
    private var nextSequence: UInt64 = 0
    /// The time of the last entry popped: an entry pushed for it (or earlier) goes to `current`.
    private var currentTime = -Double.infinity
    private var current: [Waiting] = []
    private var currentHead = 0
    private var buckets = [Bucket](repeating: Bucket(), count: Self.bucketCount)
    private var wheelCount = 0
    /// The bucket number (time ÷ width, rounded down) of the earliest entry the wheel may hold: that of
    /// `currentTime` once something was taken. Entries of bucket numbers from it to
    /// `wheelBase + bucketCount - 1` go to the wheel; others to the heap.
    private var wheelBase = 0
    /// The bucket number of the wheel's first non-empty bucket, which is sorted; meaningful while `wheelCount > 0`.
    private var cursor = 0
    private var heap: [Entry] = []

    public init() {}

    public var isEmpty: Bool { count == 0 }
    public var count: Int { current.count - currentHead + wheelCount + heap.count }
    /// The time of the earliest item.
    public var nextTime: Double? {
        if currentHead < current.count { return currentTime }
        return earliest()?.time
    }

    /// Adds an item due at `time`.
    public mutating func push(_ item: Item, at time: Double) {
        push(.item(item), at: time)
    }

    /// Adds a number due at `time`; it costs no slab slot.
    public mutating func push(number: Int, at time: Double) {
        push(.number(number), at: time)
    }

    /// A look ahead: the number the wheel holds `offset` entries after its first, if that entry is a number and
    /// in the wheel's first bucket. It is meant for hints (a driver fetching what it will touch while earlier
    /// entries are handled): an entry of the line for the current moment or of the heap may come first.
    public func upcomingNumber(offset: Int = 0) -> Int? {
        guard wheelCount > 0, offset >= 0 else { return nil }
        let index = cursor & (Self.bucketCount - 1)
        let position = buckets[index].head + offset
        return buckets[index].entries.withUnsafeBufferPointer { entries in
            position < entries.count && entries[position].isNumber ? entries[position].payload : nil
        }
    }

    /// Removes and returns the earliest item or number if it is due at or before `time`.
    public mutating func pop(dueBy time: Double) -> (time: Double, due: Due)? {
        let next = earliest()
        if currentHead < current.count, currentTime <= time {
            let waiting = current[currentHead]
            if let next, next.time == currentTime, next.sequence < waiting.sequence {
                return take(next)
            }
            currentHead += 1
            if currentHead == current.count {
                current.removeAll(keepingCapacity: true)
                currentHead = 0
            }
            return (currentTime, waiting.due)
        }
        guard let next, next.time <= time else { return nil }
        return take(next)
    }

    // MARK: Adding

    private mutating func push(_ due: Due, at time: Double) {
        let sequence = nextSequence
        nextSequence &+= 1
        if time <= currentTime {
            current.append(Waiting(sequence: sequence, due: due))
            return
        }
        let entry: Entry
        if case .number(let number) = due {
            entry = Entry(time: time, sequence: sequence, payload: number, isNumber: true)
        } else {
            entry = Entry(time: time, sequence: sequence, payload: store(due), isNumber: false)
        }
        if let bucket = Self.bucketNumber(time), bucket >= wheelBase, bucket - wheelBase < Self.bucketCount {
            addToWheel(entry, bucket: bucket)
        } else {
            addToHeap(entry)
        }
    }

    /// Puts a due item in a free slot of the slab and returns the slot.
    private mutating func store(_ due: Due) -> Int {
        if let free = freeSlots.popLast() {
            slab[free] = due
            return free
        }
        slab.append(due)
        return slab.count - 1
    }

    /// The bucket number of a time, or nil for one the wheel cannot hold (infinite, or too far for an Int).
    private static func bucketNumber(_ time: Double) -> Int? {
        let number = (time / bucketWidth).rounded(.down)
        guard number.isFinite, abs(number) < 1e15 else { return nil }
        return Int(number)
    }

    private mutating func addToWheel(_ entry: Entry, bucket number: Int) {
        let index = number & (Self.bucketCount - 1)
        if wheelCount > 0 && number == cursor {
            // The bucket being taken from is sorted: the entry goes to its place among those left.
            var low = buckets[index].head
            var high = buckets[index].entries.count
            while low < high {
                let middle = (low + high) / 2
                if buckets[index].entries[middle].precedes(entry) { low = middle + 1 } else { high = middle }
            }
            buckets[index].entries.insert(entry, at: low)
        } else {
            if let last = buckets[index].entries.last, !last.precedes(entry) { buckets[index].sorted = false }
            buckets[index].entries.append(entry)
            if wheelCount == 0 || number < cursor {
                cursor = number
                sortBucket(index)
            }
        }
        wheelCount += 1
    }

    private mutating func sortBucket(_ index: Int) {
        guard !buckets[index].sorted else { return }
        let head = buckets[index].head
        buckets[index].entries[head...].sort { $0.precedes($1) }
        buckets[index].sorted = true
    }

    private mutating func addToHeap(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / Self.arity
            guard entry.precedes(heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    // MARK: Taking

    /// The earliest entry of the wheel and the heap.
    private func earliest() -> Entry? {
        var wheelHead: Entry?
        if wheelCount > 0 {
            let bucket = buckets[cursor & (Self.bucketCount - 1)]
            wheelHead = bucket.entries[bucket.head]
        }
        guard let top = heap.first else { return wheelHead }
        guard let wheelHead else { return top }
        return wheelHead.precedes(top) ? wheelHead : top
    }

    /// Removes `entry`, the earliest of the wheel and the heap, and returns what it carries.
    private mutating func take(_ entry: Entry) -> (time: Double, due: Due) {
        if let top = heap.first, top.order == entry.order {
            removeHeapTop()
        } else {
            removeWheelHead()
        }
        currentTime = entry.time
        if let base = Self.bucketNumber(entry.time) { wheelBase = max(wheelBase, base) }
        if entry.isNumber { return (entry.time, .number(entry.payload)) }
        let slot = entry.payload
        guard let due = slab[slot].take() else { preconditionFailure("timer slot \(slot) was empty") }
        freeSlots.append(slot)
        return (entry.time, due)
    }

    private mutating func removeWheelHead() {
        let index = cursor & (Self.bucketCount - 1)
        buckets[index].head += 1
        wheelCount -= 1
        guard buckets[index].head == buckets[index].entries.count else { return }
        buckets[index].entries.removeAll(keepingCapacity: true)
        buckets[index].head = 0
        buckets[index].sorted = true
        guard wheelCount > 0 else { return }
        repeat {
            cursor += 1
        } while buckets[cursor & (Self.bucketCount - 1)].entries.isEmpty
        sortBucket(cursor & (Self.bucketCount - 1))
    }

    private mutating func removeHeapTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
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
}
