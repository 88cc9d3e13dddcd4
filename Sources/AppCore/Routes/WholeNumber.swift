import HTTPServer

/// A whole number in `range`, written in ASCII digits only (no sign, no space, no exponent); nil for anything
/// else. For query parameters such as `limit` and `seconds`.
func wholeNumber(_ text: String, in range: ClosedRange<Int>) -> Int? {
    guard text.allSatisfy(\.isASCIIDigit), let value = Int(text), range.contains(value) else { return nil }
    return value
}

extension Response {
    /// The 400 for a parameter that is not a whole number in `range`: it names the parameter and the range.
    static func notAWholeNumber(_ name: String, from range: ClosedRange<Int>) -> Response {
        .error(.badRequest, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
}
