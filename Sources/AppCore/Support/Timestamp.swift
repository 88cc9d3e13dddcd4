import Glibc

/// RFC 3339 UTC timestamps with milliseconds: `2026-11-26T18:12:37.123Z`. Computed here rather than with
/// `gmtime_r`, which takes glibc's time zone lock: every log line needs one, from every thread.
enum Timestamp {
    static func now() -> String {
        var bytes: [UInt8] = []
        appendNow(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func format(seconds: Int, milliseconds: Int) -> String {
        var bytes: [UInt8] = []
        append(seconds: seconds, milliseconds: milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendNow(to bytes: inout [UInt8]) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        append(seconds: spec.tv_sec, milliseconds: spec.tv_nsec / 1_000_000, to: &bytes)
    }

    static func append(seconds: Int, milliseconds: Int, to bytes: inout [UInt8]) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let date = civilDate(daysSinceEpoch: days)
        // Written into a fixed-size scratch and appended at once: every log line starts with one.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { text in
            func put(_ value: Int, width: Int, at end: Int) {
                var rest = value
                for index in stride(from: end - 1, through: end - width, by: -1) {
                    text[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
            }
            put(date.year, width: 4, at: 4)
            text[4] = UInt8(ascii: "-")
            put(date.month, width: 2, at: 7)
            text[7] = UInt8(ascii: "-")
            put(date.day, width: 2, at: 10)
            text[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, width: 2, at: 13)
            text[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, width: 2, at: 16)
            text[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, width: 2, at: 19)
            text[19] = UInt8(ascii: ".")
            put(milliseconds, width: 3, at: 23)
            text[23] = UInt8(ascii: "Z")
            bytes.append(contentsOf: text)
        }
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01, by whole 400-year eras (146,097 days
    /// each) with years taken to start on March 1, so that the leap day falls at the end of one.
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468  // days from 0000-03-01 to 1970-01-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
