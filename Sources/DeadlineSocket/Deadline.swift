import Dispatch

/// A point in time on the monotonic clock by which an operation must end.
public struct Deadline: Sendable, Comparable {
    public let instant: ContinuousClock.Instant

    public init(_ instant: ContinuousClock.Instant) {
        self.instant = instant
    }

    public init(after duration: Duration) {
        instant = .now + duration
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant < rhs.instant }

    /// Rounded up, so a wait never ends just short of the deadline; 0 once it has passed.
    public var remainingMilliseconds: Int {
        let now = ContinuousClock.now
        guard now < instant else { return 0 }
        let (seconds, attoseconds) = (instant - now).components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000) + 1
    }

    /// The same moment for Dispatch timers.
    public var dispatchTime: DispatchTime {
        .now() + .milliseconds(remainingMilliseconds)
    }
}
