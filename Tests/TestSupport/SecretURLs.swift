/// `DATABASE_URL`s whose password holds `marker`, wrapped in every pair of the characters that delimit the
/// other parts of a URL, for tests that the password is shown nowhere, whether the URL parses or not.
public enum SecretURLs {
    public static let marker = "Zq7MARKERpw"

    static let delimiters = ["", "/", "//", "?", "?x=", "#", "@", "@@", ":", "%", "%2F", "%40", "%zz", "[", "]"]

    /// `port` is where a server would be looked for: one that refuses, so nothing waits.
    public static func all(port: Int = 1) -> [String] {
        var urls: [String] = []
        for before in delimiters {
            for after in delimiters {
                let password = before + marker + after
                urls.append("postgresql://user:\(password)@127.0.0.1:\(port)/db")
                urls.append("postgres://user:\(password)@127.0.0.1/db?connect_timeout=1&sslmode=disable")
                urls.append("postgresql://user:\(password)@")
            }
        }
        return urls
    }
}
