import HTTPServer
import Testing

@Suite struct AcceptFieldTests {
    static let chromium =
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
        + "application/signed-exchange;v=b3;q=0.7"
    static let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    @Test(arguments: [
        [chromium], [firefox], ["text/html"], ["TEXT/HTML"], ["text/*"], ["application/json;q=0.5, text/html"],
        ["application/json;q=0.1", "text/html ; q=0.2"],
    ])
    func aBrowserNavigatingPrefersHTML(_ fields: [String]) {
        #expect(AcceptField(fields).prefers("text/html", over: "application/json"))
    }

    @Test(arguments: [
        [], ["*/*"], ["application/json"], ["application/json, text/html"], ["text/html;q=0"], ["text/html;q=0, */*"],
        ["text/plain"], ["text/html;q=2"], ["text/html;q=abc"], ["html"], ["*/html"], [""], [",,,"],
    ])
    func curlScriptsAndNonsenseGetJSON(_ fields: [String]) {
        #expect(!AcceptField(fields).prefers("text/html", over: "application/json"))
    }

    @Test func theMostSpecificRangeSetsTheWeight() {
        let accept = AcceptField(["text/*;q=0.3, text/html;q=0.7, */*;q=0.1"])
        #expect(accept.quality(of: "text/html") == 0.7)
        #expect(accept.quality(of: "text/plain") == 0.3)
        #expect(accept.quality(of: "application/json") == 0.1)
        #expect(AcceptField([]).quality(of: "image/png") == 1)
    }
}
