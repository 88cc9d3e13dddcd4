import HTTPServer
import Locking

/// Counts answered requests and their durations by method, route pattern and status. Every event loop
/// records into its own shard, so counting takes no lock that another core is waiting on; a scrape merges
/// the shards. Labels come from a fixed set (known methods, registered patterns, status codes), so a scan of
/// random URLs or invented methods cannot grow the series without bound.
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

    /// One thread's series, found by a scan rather than a hash: there are a few dozen at most (methods times
    /// routes), and comparing two short strings, usually the very same ones, costs less than hashing them.
    typealias Shard = [(key: RouteKey, series: Series)]

    private let shards = Sharded { Shard() }

    public init() {}

    public func record(_ record: RequestRecord) {
        let method = Self.methodLabel(record.method)
        let route = record.route ?? Self.unmatchedRoute
        let seconds = record.seconds
        let bucket = Self.bucketBounds.firstIndex { seconds <= $0 } ?? Self.bucketBounds.count
        shards.withCurrentShard { shard in
            if let index = shard.firstIndex(where: { $0.key.method == method && $0.key.route == route }) {
                shard[index].series.add(record.status, bucket, seconds)
            } else {
                var series = Series()
                series.add(record.status, bucket, seconds)
                shard.append((RouteKey(method: method, route: route), series))
            }
        }
    }

    /// Every shard added together.
    func snapshot() -> Snapshot {
        shards.reduce(Snapshot()) { total, shard in
            var total = total
            for (key, series) in shard { total[key, default: Series()].merge(series) }
            return total
        }
    }
}

extension RequestMetrics.Series {
    fileprivate mutating func add(_ status: Int, _ bucket: Int, _ seconds: Double) {
        count(status)
        durations.buckets[bucket] += 1
        durations.sum += seconds
        durations.count += 1
    }
}
