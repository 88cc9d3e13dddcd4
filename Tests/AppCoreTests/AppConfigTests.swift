import Testing

@testable import AppCore

@Suite struct AppConfigTests {
    private func load(_ environment: [String: String]) throws(ConfigError) -> AppConfig {
        try AppConfig.load(from: environment)
    }

    private func error(_ environment: [String: String]) -> ConfigError? {
        do {
            _ = try load(environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func appliesDefaultsWhenNothingIsSet() throws {
        let config = try load([:])
        #expect(config.port == 8000)
        #expect(config.host == "0.0.0.0")
        #expect(config.environment == "development")
        #expect(config.logLevel == .debug)
        #expect(config.database == .sqliteMemory)
        #expect(config.secretKey == nil)
        #expect(config.gitSHA == nil)
        #expect(config.version == AppConfig().version)
    }

    @Test func logFormatIsJSONWhereMachinesReadLogsAndTextElsewhere() throws {
        #expect(try load([:]).logFormat == .text)
        #expect(try load(["APP_ENV": "test"]).logFormat == .text)
        #expect(try load(["APP_ENV": "staging"]).logFormat == .json)
        #expect(try load(["APP_ENV": "production"]).logFormat == .json)
        #expect(try load(["APP_ENV": "production", "LOG_FORMAT": "TEXT"]).logFormat == .text)
        #expect(try load(["LOG_FORMAT": "json"]).logFormat == .json)
        #expect(error(["LOG_FORMAT": "yaml"])?.variable == "LOG_FORMAT")
    }

    @Test func logLevelDefaultsToInfoOutsideDevelopment() throws {
        #expect(try load(["APP_ENV": "production"]).logLevel == .info)
        #expect(try load(["APP_ENV": "test"]).logLevel == .info)
    }

    @Test(arguments: ["0", "1", "8000", "65535"])
    func acceptsPorts(_ text: String) throws {
        #expect(try load(["PORT": text]).port == Int(text))
    }

    @Test(arguments: ["", "-1", "65536", "80a", " 80", "99999999999999999999"])
    func rejectsPorts(_ text: String) {
        let failure = error(["PORT": text])
        #expect(failure?.variable == "PORT")
        #expect(failure?.description.contains("0 to 65535") == true)
    }

    @Test func theManagementListenerIsOffUnlessAsked() throws {
        #expect(try load([:]).managementPort == nil)
        #expect(try load([:]).managementAddress == nil)
        #expect(try load(["MANAGEMENT_PORT": "9000"]).managementAddress?.port == 9000)
        // Port 0 for both: each gets a free port of its own.
        #expect(try load(["MANAGEMENT_PORT": "0", "PORT": "0"]).managementPort == 0)
    }

    @Test(arguments: [["MANAGEMENT_PORT": "8000"], ["MANAGEMENT_PORT": "9000", "PORT": "9000"]])
    func theManagementPortMustDifferFromPort(_ environment: [String: String]) {
        let failure = error(environment)
        #expect(failure?.variable == "MANAGEMENT_PORT")
        #expect(failure?.description.contains("not PORT") == true)
    }

    @Test(arguments: ["", "-1", "65536", "nine"])
    func rejectsManagementPorts(_ text: String) {
        #expect(error(["MANAGEMENT_PORT": text])?.variable == "MANAGEMENT_PORT")
    }

    @Test(arguments: ["0.0.0.0", "127.0.0.1", "::", "::1", "fe80::1"])
    func acceptsHostLiterals(_ text: String) throws {
        #expect(try load(["HOST": text]).host == text)
    }

    @Test(arguments: ["localhost", "", "256.1.1.1", "example.com", "1.2.3"])
    func rejectsHostsThatAreNotLiterals(_ text: String) {
        #expect(error(["HOST": text])?.variable == "HOST")
    }

    @Test(arguments: ["development", "test", "staging", "production", "qa-2", "a", String(repeating: "x", count: 32)])
    func acceptsEnvironmentNames(_ text: String) throws {
        #expect(try load(["APP_ENV": text]).environment == text)
    }

    @Test(arguments: ["", "Production", "prod env", "dev!", String(repeating: "x", count: 33)])
    func rejectsEnvironmentNames(_ text: String) {
        #expect(error(["APP_ENV": text])?.variable == "APP_ENV")
    }

    @Test(arguments: [
        ("debug", LogLevel.debug), ("Info", .info), ("WARNING", .warning), ("error", .error), ("CRITICAL", .critical),
    ])
    func acceptsLogLevelsInAnyCase(_ text: String, _ level: LogLevel) throws {
        #expect(try load(["LOG_LEVEL": text]).logLevel == level)
    }

    @Test(arguments: ["", "verbose", "WARN", "5"])
    func rejectsUnknownLogLevels(_ text: String) {
        let failure = error(["LOG_LEVEL": text])
        #expect(failure?.variable == "LOG_LEVEL")
        #expect(failure?.description.contains("DEBUG, INFO, WARNING, ERROR or CRITICAL") == true)
    }

    @Test func errorLineNamesVariableValueAndWhatIsAccepted() {
        #expect(
            error(["PORT": "eighty"])?.description
                == "configuration error: PORT=\"eighty\" is not valid; accepted: an integer from 0 to 65535 (0 picks a free port)"
        )
    }

    @Test func errorLineEscapesControlCharacters() {
        #expect(error(["APP_ENV": "a\nb"])?.description.contains("\"a\\x0ab\"") == true)
    }

    @Test func secretKeyMustBeLongEnoughAndIsNeverShown() throws {
        #expect(try load(["SECRET_KEY": "0123456789abcdef"]).secretKey == "0123456789abcdef")
        let failure = error(["SECRET_KEY": "short-secret"])
        #expect(failure?.variable == "SECRET_KEY")
        #expect(failure?.description.contains("short-secret") == false)
        #expect(failure?.description.contains("12 characters") == true)
    }

    @Test func freeTextVariablesTreatEmptyAsUnset() throws {
        let config = try load(["GIT_SHA": "", "APP_VERSION": "", "BUILD_TIME": ""])
        #expect(config.gitSHA == nil)
        #expect(config.version == AppConfig().version)
        let set = try load(["GIT_SHA": "abc123", "APP_VERSION": "2.0.0", "BUILD_TIME": "2026-11-26T00:00:00Z"])
        #expect(set.gitSHA == "abc123")
        #expect(set.version == "2.0.0")
        #expect(set.buildTime == "2026-11-26T00:00:00Z")
    }
}
