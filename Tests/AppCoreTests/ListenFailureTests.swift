import Glibc
import Testing

@testable import AppCore

@Suite struct ListenFailureTests {
    @Test func aTakenPortSuggestsAnotherPort() {
        #expect(ListenFailure.hint(errorNumber: EADDRINUSE)?.contains("set PORT") == true)
    }

    @Test(arguments: [EADDRNOTAVAIL, EAFNOSUPPORT])
    func anAddressThisMachineLacksSaysSoAndNotThatThePortIsTaken(_ errorNumber: Int32) throws {
        let hint = try #require(ListenFailure.hint(errorNumber: errorNumber))
        #expect(hint.hasPrefix("HOST is not an address of this machine"))
        #expect(!hint.contains("PORT"))
    }

    @Test func aPrivilegedPortSaysWhy() {
        #expect(ListenFailure.hint(errorNumber: EACCES)?.contains("below 1024") == true)
    }

    @Test func anUnknownCauseGetsNoGuess() {
        #expect(ListenFailure.hint(errorNumber: ENOMEM) == nil)
    }
}
