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
        let names = SettingsTable.all.map(\.name)
        #expect(Set(names).count == names.count, "a name in two rows: \(names)")
        #expect(SettingsTable.all.allSatisfy { !$0.variable.accepted.isEmpty && !$0.variable.defaultText.isEmpty })
    }

    /// Each row writes its value somewhere: its example, set alone, gives a configuration other than the
    /// defaults. A row whose application is lost, or that writes where nothing reads, fails here.
    @Test(arguments: SettingsTable.all.map(\.name))
    func everyRowIsApplied(_ name: String) throws {
        let row = try #require(SettingsTable.all.first { $0.name == name })
        let defaults = try AppConfig.load(from: [:], memoryLimit: nil)
        let set = try AppConfig.load(from: [name: row.example], memoryLimit: nil)
        #expect(set != defaults, "\(name)=\(row.example) changed nothing")
    }

    /// A name is written once, in its row: everything else refers to the row.
    @Test func eachNameIsOneStringLiteralInSources() throws {
        let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let sources = "/" + root + "/Sources"
        let files = try #require(FileManager.default.enumerator(atPath: sources)?.allObjects as? [String])
        let text = try files.filter { $0.hasSuffix(".swift") }.map {
            try String(contentsOfFile: sources + "/" + $0, encoding: .utf8)
        }.joined(separator: "\n")
        for name in SettingsTable.all.map(\.name) {
            #expect(text.components(separatedBy: "\"\(name)\"").count - 1 == 1, "\(name)")
        }
    }

    @Test func unsetRowsKeepTheDefaultsOfAppConfigAndTheServer() throws {
        let config = try AppConfig.load(from: ["APP_ENV": "test"], memoryLimit: nil)
        #expect(config.server == ServerSettings())
        #expect(config.port == AppConfig().port && config.databaseTimeout == AppConfig().databaseTimeout)
        #expect(SettingsTable.maxHeaderBytes.variable.defaultText == String(HTTPLimits().maxHeaderBytes))
        #expect(SettingsTable.bodyDeadline.variable.defaultText == "120")
    }

    @Test func errorLinesSayWhatTheTableAccepts() {
        for row in [SettingsTable.maxHeaderCount, SettingsTable.maxConnections] {
            do {
                _ = try AppConfig.load(from: [row.name: "-1"])
                Issue.record("\(row.name)=-1 accepted")
            } catch {
                #expect(error.variable == row.name)
                #expect(error.accepted == row.variable.accepted)
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
