import Foundation
import HTTPServer
import Testing

@testable import AppCore

/// The configuration page's tables and the settings table say the same: every variable, with its default.
@Suite struct ConfigTableTests {
    /// `| `NAME` | default | ...` rows of `docs/configuration.md`, as (name, default without backticks).
    static func documentedRows() throws -> [(name: String, defaultText: String)] {
        let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let page = try String(contentsOfFile: "/" + root + "/docs/configuration.md", encoding: .utf8)
        return page.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 4, cells[1].hasPrefix("`"), cells[1].hasSuffix("`"),
                cells[1].dropFirst().dropLast().allSatisfy({ $0.isUppercase || $0 == "_" })
            else { return nil }
            return (String(cells[1].dropFirst().dropLast()), cells[2].replacingOccurrences(of: "`", with: ""))
        }
    }

    @Test func theConfigurationPageDocumentsEveryVariableWithItsDefault() throws {
        let rows = try Self.documentedRows()
        #expect(rows.map(\.name).sorted() == AppConfig.variables.map(\.name).sorted())
        for variable in AppConfig.variables {
            let documented = rows.first { $0.name == variable.name }?.defaultText
            #expect(documented == variable.defaultText, "\(variable.name)")
        }
    }

    @Test func namesAreUniqueAndEachSaysWhatItAccepts() {
        let names = AppConfig.variables.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(AppConfig.variables.allSatisfy { !$0.accepted.isEmpty && !$0.defaultText.isEmpty })
    }

    /// The defaults come from the HTTP server's own types, so the two cannot drift apart.
    @Test func defaultsAreTheServersOwn() throws {
        let settings = try AppConfig.load(from: [:]).server
        #expect(settings == ServerSettings())
        #expect(ServerSettings.maxHeaderBytes.variable.defaultText == "16384")
        #expect(ServerSettings.bodyDeadline.variable.defaultText == "120")
    }

    @Test func errorLinesSayWhatTheTableAccepts() {
        for setting in [ServerSettings.maxHeaderCount, ServerSettings.maxConnections] {
            do {
                _ = try AppConfig.load(from: [setting.name: "-1"])
                Issue.record("\(setting.name)=-1 accepted")
            } catch {
                #expect(error.variable == setting.name)
                #expect(error.accepted == setting.variable.accepted)
            }
        }
    }
}

@Suite struct EventLoopSettingTests {
    @Test func eventLoopsOverridesTheCPUCountAndSaysSo() throws {
        let settings = try AppConfig.load(from: ["EVENT_LOOPS": "3"]).server
        #expect(settings.eventLoopAllowance == CPUAllowance(count: 3, reason: "EVENT_LOOPS"))
        #expect(try AppConfig.load(from: [:]).server.eventLoops == nil)
    }

    @Test(arguments: ["0", "257", "two", ""])
    func eventLoopsOutOfRangeIsAnError(_ text: String) {
        #expect(throws: ConfigError.self) { try AppConfig.load(from: ["EVENT_LOOPS": text]) }
    }
}
