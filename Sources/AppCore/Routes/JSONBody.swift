import HTTPServer

extension Request {
    /// Whether the body is declared JSON: `Content-Type: application/json`, with or without parameters such
    /// as `; charset=utf-8`. Shared by every route that takes a JSON body.
    var declaresJSONBody: Bool {
        guard let contentType = headers["content-type"] else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: " \t").lowercased() == "application/json"
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        let text = Substring(self)
        guard let first = text.firstIndex(where: { !set.contains($0) }),
            let last = text.lastIndex(where: { !set.contains($0) })
        else { return "" }
        return text[first...last]
    }
}
