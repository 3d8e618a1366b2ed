import ArgumentParser
import Foundation
import HummingbirdBcrypt
import Ingest
import Logging
import Store

@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "A form submission gateway for ODK Collect and pyodk, with an offline-aware entity engine.",
        subcommands: [Serve.self, UserCreate.self])
}

/// A setting given by flag, else by environment variable, else its default.
func setting(_ flag: String?, env name: String) -> String? {
    flag ?? ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
}

func requiredSetting(_ flag: String?, env name: String, option: String) throws -> String {
    guard let value = setting(flag, env: name) else {
        throw ValidationError("Missing \(option) (or the \(name) environment variable).")
    }
    return value
}

func integerSetting(_ flag: Int?, env name: String, default value: Int) throws -> Int {
    if let flag { return flag }
    guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else { return value }
    guard let parsed = Int(text) else { throw ValidationError("\(name) must be a whole number, not '\(text)'.") }
    return parsed
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server on an SQLite database (created and migrated on first start).")

    @Option(help: "Path of the SQLite database file. Env: INGEST_DB.")
    var db: String?

    @Option(help: "Address to listen on. Env: INGEST_HOST. Default: 127.0.0.1.")
    var host: String?

    @Option(help: "Port to listen on. Env: INGEST_PORT. Default: 8383.")
    var port: Int?

    @Option(
        help:
            "Seconds an out-of-order offline update is held before it is force-applied. Env: INGEST_BACKLOG_HOLD_SECONDS. Default: 432000 (5 days)."
    )
    var backlogHoldSeconds: Int?

    @Option(help: "Seconds between looks for held updates to force. Env: INGEST_BACKLOG_SWEEP_SECONDS. Default: 3600.")
    var backlogSweepSeconds: Int?

    @Option(help: "Largest request body in bytes. Env: INGEST_BODY_LIMIT. Default: 100000000.")
    var bodyLimit: Int?

    @Option(
        help:
            "Seconds between full consistency passes over every entity; 0 turns them off. Env: INGEST_CONSISTENCY_SWEEP_SECONDS. Default: 0."
    )
    var consistencySweepSeconds: Int?

    @Option(
        help: """
            full: a submission is answered only once its commit is on disk. normal: commits are synced only at \
            checkpoints (every 20 to 250 ms), so a power cut or kernel crash loses the submissions acknowledged \
            since the last one (a crashed server loses none). Env: INGEST_SYNCHRONOUS. Default: full.
            """)
    var synchronous: String?

    @Option(
        help:
            "The address phones and scripts use to reach the server (e.g. https://odk.example.org), for the URLs it hands out. Env: INGEST_PUBLIC_URL. Default: the request's Host, over http."
    )
    var publicURL: String?

    @Option(
        help:
            "Require this bearer token on /metrics (prefer the environment variable: the command line is visible to other users). Env: INGEST_METRICS_TOKEN."
    )
    var metricsToken: String?

    @Option(
        help:
            "Directory for temporary files (uploads on their way in, rendered entity lists). Env: INGEST_SCRATCH_DIR. Default: $TMPDIR/ingest."
    )
    var scratchDir: String?

    @Option(
        help: "Large uploads (over 10 MB) received at once; more are answered 503 with Retry-After. Env: INGEST_LARGE_UPLOADS. Default: 4.")
    var largeUploads: Int?

    @Option(
        help:
            "Seconds a connection may take to send a request's headers, counted from its opening or its previous answer. Env: INGEST_HEADER_TIMEOUT_SECONDS. Default: 60."
    )
    var headerTimeoutSeconds: Int?

    @Option(
        help:
            "pyxform's xls2xform command, for XLSForm uploads (scripts/serve.sh installs it). Env: INGEST_XLSFORM_CONVERTER. Default: none (501.3)."
    )
    var xlsformConverter: String?

    func run() async throws {
        let path = try requiredSetting(db, env: "INGEST_DB", option: "--db")
        let configuration = GatewayConfiguration(
            host: setting(host, env: "INGEST_HOST") ?? "127.0.0.1",
            port: try integerSetting(port, env: "INGEST_PORT", default: 8383),
            bodyLimit: try integerSetting(bodyLimit, env: "INGEST_BODY_LIMIT", default: 100_000_000),
            backlogHoldSeconds: try integerSetting(backlogHoldSeconds, env: "INGEST_BACKLOG_HOLD_SECONDS", default: 432_000),
            backlogSweepSeconds: try integerSetting(backlogSweepSeconds, env: "INGEST_BACKLOG_SWEEP_SECONDS", default: 3600),
            consistencySweepSeconds: try integerSetting(consistencySweepSeconds, env: "INGEST_CONSISTENCY_SWEEP_SECONDS", default: 0),
            scratchDirectory: setting(scratchDir, env: "INGEST_SCRATCH_DIR") ?? NSTemporaryDirectory() + "ingest",
            largeUploadConcurrency: max(1, try integerSetting(largeUploads, env: "INGEST_LARGE_UPLOADS", default: 4)),
            publicURL: try setting(publicURL, env: "INGEST_PUBLIC_URL").map(Self.validatedPublicURL),
            metricsToken: setting(metricsToken, env: "INGEST_METRICS_TOKEN"),
            requestHeadTimeoutSeconds: max(1, try integerSetting(headerTimeoutSeconds, env: "INGEST_HEADER_TIMEOUT_SECONDS", default: 60)),
            xlsformConverter: setting(xlsformConverter, env: "INGEST_XLSFORM_CONVERTER"))
        var logger = Logger(label: "ingest")
        logger.logLevel = .info
        let metrics = GatewayMetrics()
        let durabilityName = setting(synchronous, env: "INGEST_SYNCHRONOUS") ?? Durability.full.rawValue
        guard let durability = Durability(rawValue: durabilityName.lowercased()) else {
            throw ValidationError("--synchronous must be full or normal, not '\(durabilityName)'.")
        }
        let store = try GatewayStore(path: path, durability: durability, observer: metrics.storeObserver)
        logger.info("database ready", metadata: ["path": "\(path)", "synchronous": "\(durability.rawValue)"])
        // runService stops on SIGTERM/SIGINT after in-flight requests have been answered.
        try await Gateway(store: store, configuration: configuration, metrics: metrics).application(logger: logger).runService()
    }
}

extension Serve {
    /// `http(s)://host[:port][/path]`, without a trailing slash, query or fragment.
    static func validatedPublicURL(_ text: String) throws -> String {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false, url.query == nil, url.fragment == nil, url.user == nil
        else { throw ValidationError("--public-url must look like https://odk.example.org, not '\(text)'.") }
        return trimmed
    }
}

struct UserCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user-create", abstract: "Create a web user (safe while a server uses the same database).")

    @Option(help: "Path of the SQLite database file. Env: INGEST_DB.")
    var db: String?

    @Option(help: "The user's e-mail address, used to log in.")
    var email: String

    @Flag(help: "Read the password from the first line of standard input (else from INGEST_PASSWORD).")
    var passwordStdin = false

    @Option(
        help:
            "The password on the command line, where every local user can read it: kept for scripts written for it; prefer INGEST_PASSWORD or --password-stdin."
    )
    var password: String?

    @Option(help: "The name shown for the user. Default: the e-mail address.")
    var displayName: String?

    @Flag(help: "Make the user a site administrator.")
    var admin = false

    func run() async throws {
        let path = try requiredSetting(db, env: "INGEST_DB", option: "--db")
        guard !email.isEmpty, email.contains("@") else { throw ValidationError("--email must be an e-mail address.") }
        let password = try readPassword()
        let store = try GatewayStore(path: path)
        do {
            let actor = try await store.createUser(
                email: email, passwordHash: Bcrypt.hash(password, cost: 10), displayName: displayName, isAdmin: admin)
            print("created user \(actor.id) <\(email)>\(admin ? " (administrator)" : "")")
        } catch StoreError.emailTaken(let taken) {
            throw ValidationError("A user with the e-mail \(taken) exists already.")
        }
    }
}

extension UserCreate {
    /// The password, from stdin or the environment (the command line, which every local user can read, only
    /// with a warning: the API contract promises `--password`), under Central's rules: at least 10
    /// characters, at most 72 bytes (bcrypt ignores the rest).
    func readPassword() throws -> String {
        let password: String
        if let given = self.password {
            FileHandle.standardError.write(
                Data(
                    "warning: --password is visible to every local user while the command runs; prefer INGEST_PASSWORD or --password-stdin\n"
                        .utf8))
            password = given
        } else if passwordStdin {
            guard let line = readLine(strippingNewline: true) else { throw ValidationError("No password on standard input.") }
            password = line
        } else {
            guard let value = ProcessInfo.processInfo.environment["INGEST_PASSWORD"] else {
                throw ValidationError("Give the password in INGEST_PASSWORD, or on standard input with --password-stdin.")
            }
            password = value
        }
        guard !password.utf8.contains(0) else { throw ValidationError("The password may not contain a null character.") }
        guard password.count >= 10 else { throw ValidationError("The password must be at least 10 characters long.") }
        guard password.utf8.count <= 72 else { throw ValidationError("The password may be at most 72 bytes long.") }
        return password
    }
}
