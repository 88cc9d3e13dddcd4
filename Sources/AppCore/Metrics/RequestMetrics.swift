import HTTPServer
import Locking
import Synchronization

/// Counts answered requests and their durations by method, route pattern and status. Every thread records
/// into its own shard, without a lock; a scrape adds the shards up. Labels come from a fixed set (known
/// methods, registered patterns, status codes), so a scan of random URLs or invented methods cannot grow the
/// series without bound.
public final class RequestMetrics: Sendable {
    /// Upper bounds of the duration histogram's buckets, in seconds.
    static let bucketBounds: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
    /// The label of every request no route matched (404, 405, and requests too broken to parse).
    static let unmatchedRoute = "unmatched"
    /// The method's label: itself when it is one of the usual ones, otherwise "OTHER". A switch on short
    /// strings, not a set lookup: it runs on every request and needs no hashing.
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS": method
        default: "OTHER"
        }
    }

    struct RouteKey: Hashable, Comparable {
        let method: String
        let route: String

        static func < (lhs: RouteKey, rhs: RouteKey) -> Bool {
            (lhs.route, lhs.method) < (rhs.route, rhs.method)
        }
    }

    struct Histogram {
        /// Observations per bucket, not yet cumulative; the last one counts those above every bound.
        var buckets = [Int](repeating: 0, count: RequestMetrics.bucketBounds.count + 1)
        var sum = 0.0
        var count = 0

        mutating func merge(_ other: Histogram) {
            for index in buckets.indices { buckets[index] += other.buckets[index] }
            sum += other.sum
            count += other.count
        }
    }

    /// Everything counted for one method and route: one dictionary lookup per request finds it all.
    struct Series {
        /// Requests by status code. A list: a route answers with a handful of codes, and finding one among
        /// them costs less than hashing it.
        var statuses: [(code: Int, count: Int)] = []
        var durations = Histogram()

        mutating func count(_ code: Int, times: Int = 1) {
            if let index = statuses.firstIndex(where: { $0.code == code }) {
                statuses[index].count += times
            } else {
                statuses.append((code, times))
            }
        }

        mutating func merge(_ other: Series) {
            for (code, count) in other.statuses { self.count(code, times: count) }
            durations.merge(other.durations)
        }
    }

    typealias Snapshot = [RouteKey: Series]

    /// Every thread's shard, for `snapshot`; a shard stays here after its thread exits, so nothing counted is
    /// lost.
    private let shards = Locked<[Shard]>([])
    /// The calling thread's shard, reached without a lock.
    private let currentShard = ThreadLocal<Shard?> { nil }

    public init() {}

    public func record(_ record: RequestRecord) {
        let method = Self.methodLabel(record.method)
        let route = record.route ?? Self.unmatchedRoute
        let seconds = record.seconds
        let bucket = Self.bucketBounds.firstIndex { seconds <= $0 } ?? Self.bucketBounds.count
        let shard = currentShard.withCurrent { shard in
            if let shard { return shard }
            let made = Shard()
            shards.withLock { $0.append(made) }
            shard = made
            return made
        }
        shard.add(method: method, route: route, status: record.status, bucket: bucket, seconds: seconds)
    }

    /// Every shard added together.
    func snapshot() -> Snapshot {
        shards.withLock { $0 }.reduce(into: Snapshot()) { total, shard in
            for (key, series) in shard.read() { total[key, default: Series()].merge(series) }
        }
    }
}

extension RequestMetrics {
    /// One thread's counts. Only its thread adds to them, so a count is a relaxed load and store, not a
    /// read-modify-write; a scrape loads them from another thread. The lists of series and statuses only
    /// grow, by their one writer, under `growth`, which a scrape takes to read them: a new route or status
    /// takes the lock once, a request counted in an existing one never does.
    ///
    /// `@unchecked Sendable`: the lists are written only by the shard's thread with `growth` held, and read
    /// by other threads only with it held; the counts are atomics.
    final class Shard: @unchecked Sendable {
        private var series: [(key: RouteKey, counts: SeriesCounts)] = []
        private let growth = Locked(())

        func add(method: String, route: String, status: Int, bucket: Int, seconds: Double) {
            // A scan, not a hash: there are a few dozen series at most (methods times routes), and comparing
            // two short strings, usually the very same ones, costs less than hashing them.
            let counts: SeriesCounts
            if let found = series.first(where: { $0.key.method == method && $0.key.route == route })?.counts {
                counts = found
            } else {
                counts = SeriesCounts()
                growth.withLock { _ in series.append((RouteKey(method: method, route: route), counts)) }
            }
            counts.add(status: status, bucket: bucket, seconds: seconds, growth: growth)
        }

        func read() -> [(RouteKey, Series)] {
            growth.withLock { _ in series.map { ($0.key, $0.counts.read()) } }
        }
    }

    /// The live counts of one series, under its shard's rules.
    final class SeriesCounts: @unchecked Sendable {
        private var statuses: [(code: Int, count: Counter)] = []
        private let buckets = (0...RequestMetrics.bucketBounds.count).map { _ in Counter() }
        /// The sum of durations in seconds, as the bits of a `Double`.
        private let sumBits = Atomic<UInt64>(0)

        func add(status: Int, bucket: Int, seconds: Double, growth: Locked<Void>) {
            if let counter = statuses.first(where: { $0.code == status })?.count {
                counter.increment()
            } else {
                let counter = Counter()
                counter.increment()
                growth.withLock { _ in statuses.append((status, counter)) }
            }
            buckets[bucket].increment()
            let sum = Double(bitPattern: sumBits.load(ordering: .relaxed)) + seconds
            sumBits.store(sum.bitPattern, ordering: .relaxed)
        }

        /// Called with the shard's `growth` held.
        func read() -> Series {
            var series = Series()
            for (code, counter) in statuses { series.count(code, times: counter.value) }
            series.durations.buckets = buckets.map(\.value)
            // The count is the buckets' total, so that a scrape during requests never shows a `_count` that
            // disagrees with the `+Inf` bucket.
            series.durations.count = series.durations.buckets.reduce(0, +)
            series.durations.sum = Double(bitPattern: sumBits.load(ordering: .relaxed))
            return series
        }
    }

    /// A count with one writer: a load and a store, where a shared count would need an atomic add.
    final class Counter: Sendable {
        private let atomic = Atomic<Int>(0)

        var value: Int { atomic.load(ordering: .relaxed) }

        func increment() {
            atomic.store(atomic.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        }
    }
}
