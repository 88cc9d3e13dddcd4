import Glibc
import Locking
import TextEscaping

/// RFC 3339 UTC timestamps with milliseconds: `2026-11-26T18:12:37.123Z`. Computed here rather than with
/// `gmtime_r`, which takes glibc's time zone lock: every log line needs one, from every thread.
enum Timestamp {
    /// Every timestamp is this long.
    static let length = 24

    static func now() -> String {
        let (seconds, milliseconds) = currentTime()
        return format(seconds: seconds, milliseconds: milliseconds)
    }

    static func format(seconds: Int, milliseconds: Int) -> String {
        String(unsafeUninitializedCapacity: length) { text in
            write(seconds: seconds, milliseconds: milliseconds, into: text)
            return length
        }
    }

    static func appendNow(to bytes: inout ByteWriter) {
        let (seconds, milliseconds) = currentTime()
        bytes.appendInPlace(maximum: length) { text in
            lastSecond.withCurrent { last in
                if last.seconds == seconds {
                    last.text.withUnsafeBufferPointer { _ = text.update(fromContentsOf: $0) }
                    writeMilliseconds(milliseconds, into: text)
                } else {
                    write(seconds: seconds, milliseconds: milliseconds, into: text)
                    last = (seconds, Array(text))
                }
            }
            return length
        }
    }

    /// The last timestamp this thread wrote, and its second: a busy server writes thousands of lines a
    /// second, and all but the first of them only need their milliseconds written.
    private static let lastSecond = ThreadLocal<(seconds: Int, text: [UInt8])> { (Int.min, []) }

    private static func currentTime() -> (seconds: Int, milliseconds: Int) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (spec.tv_sec, spec.tv_nsec / 1_000_000)
    }

    /// Writes the timestamp into the first `length` bytes of `text`.
    private static func write(seconds: Int, milliseconds: Int, into text: UnsafeMutableBufferPointer<UInt8>) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let date = civilDate(daysSinceEpoch: days)
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
        writeMilliseconds(milliseconds, into: text)
    }

    private static func writeMilliseconds(_ milliseconds: Int, into text: UnsafeMutableBufferPointer<UInt8>) {
        text[20] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: milliseconds / 100 % 10)
        text[21] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: milliseconds / 10 % 10)
        text[22] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: milliseconds % 10)
        text[23] = UInt8(ascii: "Z")
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
