/// An open-addressing hash map from non-zero UInt64 keys, for the simulation's hot paths.
///
/// `Dictionary` hashes with SipHash (seeded per process), which was a fifth of the run time.
/// Here keys are our own ids, so a multiplicative (Fibonacci) hash with linear probing and
/// backward-shift deletion is enough. Nothing iterates this map to make a decision: callers
/// that need an order sort the keys, so the layout never leaks into results.
struct U64Map<Value> {
    private var keys: [UInt64]
    private var values: [Value?]
    private var shift: UInt64
    private(set) var count = 0

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: nil, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always)
    private func slot(of key: UInt64) -> Int {
        let mask = keys.count - 1
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key || k == 0 { return i }
            i = (i + 1) & mask
        }
    }

    subscript(key: UInt64) -> Value? {
        get {
            let i = slot(of: key)
            return keys[i] == key ? values[i] : nil
        }
        set {
            if let newValue { insert(key, newValue) } else { _ = removeValue(forKey: key) }
        }
    }

    /// Mutates the value for `key` in place; returns nil (and calls nothing) if absent.
    @inline(__always)
    @discardableResult
    mutating func update<R>(_ key: UInt64, _ body: (inout Value) -> R) -> R? {
        let i = slot(of: key)
        guard keys[i] == key else { return nil }
        return body(&values[i]!)
    }

    mutating func insert(_ key: UInt64, _ value: Value) {
        precondition(key != 0, "U64Map keys are non-zero")
        var i = slot(of: key)
        if keys[i] == key {
            values[i] = value
            return
        }
        if (count + 1) * 2 > keys.count {
            grow()
            i = slot(of: key)
        }
        keys[i] = key
        values[i] = value
        count += 1
    }

    @discardableResult
    mutating func removeValue(forKey key: UInt64) -> Value? {
        let mask = keys.count - 1
        var i = slot(of: key)
        guard keys[i] == key else { return nil }
        let old = values[i]
        // Backward-shift deletion: pull later entries of the probe run into the hole.
        var j = i
        while true {
            j = (j + 1) & mask
            let k = keys[j]
            if k == 0 { break }
            let h = home(k)
            // Move k if its home is cyclically outside (i, j].
            let outside = i <= j ? (h <= i || h > j) : (h <= i && h > j)
            if outside {
                keys[i] = k
                values[i] = values[j]
                i = j
            }
        }
        keys[i] = 0
        values[i] = nil
        count -= 1
        return old
    }

    mutating func removeAll() {
        self = U64Map()
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let size = keys.count * 2
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: nil, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
        count = 0
        for (i, k) in oldKeys.enumerated() where k != 0 { insert(k, oldValues[i]!) }
    }

    /// Every key, ascending: the only way callers may walk the map when order matters.
    func sortedKeys() -> [UInt64] { keys.filter { $0 != 0 }.sorted() }

    /// Visits every entry in storage order (only for order-free uses: counting, checks).
    func forEach(_ body: (UInt64, Value) -> Void) {
        for (i, k) in keys.enumerated() where k != 0 { body(k, values[i]!) }
    }
}

extension U64Map: Sendable where Value: Sendable {}
