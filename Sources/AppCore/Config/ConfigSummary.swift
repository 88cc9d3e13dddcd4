extension AppConfig {
    /// What the app runs with, for the DEBUG log at start: never a secret (the database URL without its
    /// password, SECRET_KEY only as set or unset).
    public var summary: [(String, String)] {
        [
            ("app_env", environment), ("host", host), ("port", String(port)), ("log_level", logLevel.name),
            ("log_format", logFormat.rawValue), ("database", database.description),
            ("database_timeout_s", Self.seconds(databaseTimeout)), ("secret_key", secretKey == nil ? "unset" : "set"),
            ("event_loops", server.eventLoopAllowance.description),
            ("max_connections", String(server.maxConnections)), ("max_body_bytes", String(server.limits.maxBodyBytes)),
            ("max_buffered_bytes", String(server.maxBufferedBytes)),
            ("header_timeout_s", Self.seconds(server.timeouts.header)),
            ("body_timeout_s", Self.seconds(server.timeouts.body)),
            ("idle_timeout_s", Self.seconds(server.timeouts.idle)),
            ("write_timeout_s", Self.seconds(server.timeouts.write)),
            ("shutdown_grace_s", Self.seconds(server.shutdownGrace)),
            ("shutdown_delay_s", Self.seconds(server.shutdownDelay)),
        ]
    }

    private static func seconds(_ duration: Duration) -> String {
        secondsText(duration.inSeconds)
    }
}
