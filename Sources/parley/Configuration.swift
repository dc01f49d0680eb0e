import API
import Foundation
import Logging
import NIOCore
import Store

/// Every setting Parley reads, from the environment, in one place. Each problem is
/// reported with the variable's name at start-up, never at first use.
struct Configuration {
    var databaseURL: DatabaseURL
    var migrationDatabaseURL: String?
    var host: String
    var port: Int
    var poolSize: Int
    var logLevel: Logger.Level
    var sqlDirectory: URL
    var api: APIConfiguration?
    /// After SIGTERM/SIGINT: how long in-flight work may take before it is cancelled and the
    /// process exits (`serve`, `worker`, `dev`).
    var shutdownTimeout: Duration
    /// Deadlines for slow or idle HTTP clients (`serve`, `dev`).
    var httpTimeouts: HTTPTimeouts
    /// Where export files go (`serve` streams or redirects downloads, `worker` uploads).
    var storage: StorageSettings
    /// Hosts the export worker may fetch images from even at private addresses
    /// (`PARLEY_EXPORT_IMAGE_HOSTS`, comma-separated); public addresses are always allowed.
    var exportImageHosts: Set<String>
    /// How long an export worker's claim on a job lasts without renewal: a worker that dies
    /// mid-job is replaced this long after its last renewal (renewed every quarter of it).
    var exportLease: Duration
    /// How often an idle export worker looks for due jobs.
    var exportPollInterval: Duration
    /// The audit chain's HMAC key (`PARLEY_AUDIT_KEY`): the worker seals with it and
    /// `parley audit verify` checks with it; the API never needs it.
    var auditKey: AuditChainKey?
    /// The keys customers' contact details are sealed and looked up with
    /// (`PARLEY_CONTACT_KEYS`, `PARLEY_CONTACT_LOOKUP_KEY`; docs/contacts.md). Every command
    /// that reads or writes tenant data needs them; `migrate` does not.
    var contacts: ContactVault?

    struct Invalid: Error, CustomStringConvertible {
        let problems: [String]
        var description: String { "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n") }
    }

    /// - Parameters:
    ///   - needsAPI: `serve`/`dev` need the token secrets; `migrate`/`worker` do not.
    ///   - needsAuditKey: `worker`/`dev`/`audit verify` need the audit chain's key.
    ///   - needsContactKeys: everything but `migrate` reads or writes contact details.
    init(environment: [String: String] = ProcessInfo.processInfo.environment, needsAPI: Bool,
         needsAuditKey: Bool = false, needsContactKeys: Bool = true) throws {
        var problems: [String] = []
        func value(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
            guard let text = value(name) else { return defaultValue }
            guard let number = Int(text), range.contains(number) else {
                problems.append("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
                return defaultValue
            }
            return number
        }

        var parsedURL: DatabaseURL?
        if let text = value("PARLEY_DATABASE_URL") {
            do { parsedURL = try DatabaseURL(text) } catch { problems.append("PARLEY_DATABASE_URL \(error)") }
        } else {
            problems.append("PARLEY_DATABASE_URL is required (the service role's address, postgres://parley_app@host:5432/parley)")
        }
        migrationDatabaseURL = value("PARLEY_MIGRATION_DATABASE_URL")
        if let migration = migrationDatabaseURL {
            do { _ = try DatabaseURL(migration) } catch { problems.append("PARLEY_MIGRATION_DATABASE_URL \(error)") }
        }
        host = value("PARLEY_HOST") ?? "127.0.0.1"
        port = integer("PARLEY_PORT", default: 8080, range: 0...65535)
        poolSize = integer("PARLEY_DB_POOL_SIZE", default: 20, range: 1...500)
        let levelText = value("PARLEY_LOG_LEVEL") ?? "info"
        if let level = Logger.Level(rawValue: levelText) {
            logLevel = level
        } else {
            logLevel = .info
            problems.append("PARLEY_LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        sqlDirectory = URL(fileURLWithPath: value("PARLEY_SQL_DIR") ?? "sql")
        // 30 s: far longer than any request Parley serves takes. The process ends at most
        // ShutdownWatchdog.cancellationGrace (3 s) later, so an orchestrator's grace period
        // (Kubernetes: terminationGracePeriodSeconds) should be a few seconds longer.
        shutdownTimeout = .seconds(integer("PARLEY_SHUTDOWN_TIMEOUT_SECONDS", default: 30, range: 1...600))
        // 10 s for a request head: a real client sends its few hundred bytes in one packet,
        // so only a stalled or hostile one comes near. 30 s for a body, in total: the largest
        // accepted (PARLEY_MAX_BODY_BYTES, 4 MiB) still makes it at about 1.1 Mbit/s, and
        // ingestion batches are far smaller. 75 s idle (nginx's default): longer than the idle
        // timeout of the load balancers in front (AWS ALB and nginx upstreams: 60 s), as they
        // recommend, so they close pooled connections first and never send a request on one
        // Parley is closing.
        httpTimeouts = HTTPTimeouts(
            header: .seconds(Int64(integer("PARLEY_HEADER_TIMEOUT_SECONDS", default: 10, range: 1...300))),
            body: .seconds(Int64(integer("PARLEY_BODY_TIMEOUT_SECONDS", default: 30, range: 1...3600))),
            idle: .seconds(Int64(integer("PARLEY_IDLE_TIMEOUT_SECONDS", default: 75, range: 1...3600))))

        storage = StorageSettings.parse(value, problems: &problems)
        exportLease = .seconds(integer("PARLEY_EXPORT_LEASE_SECONDS", default: 60, range: 4...3600))
        exportPollInterval = .milliseconds(integer("PARLEY_EXPORT_POLL_MILLISECONDS", default: 2000, range: 50...60_000))
        exportImageHosts = Set((value("PARLEY_EXPORT_IMAGE_HOSTS") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })

        if let secret = value("PARLEY_AUDIT_KEY") {
            if secret.utf8.count < AuditChainKey.minimumSecretBytes {
                problems.append("PARLEY_AUDIT_KEY must be at least \(AuditChainKey.minimumSecretBytes) random characters")
            } else {
                auditKey = AuditChainKey(secret: secret.utf8)
            }
        } else if needsAuditKey {
            problems.append("PARLEY_AUDIT_KEY is required: at least \(AuditChainKey.minimumSecretBytes) random characters, "
                + "the same in every worker and kept out of the database (it keys the audit trail's hash chain)")
        }

        switch (value("PARLEY_CONTACT_KEYS"), value("PARLEY_CONTACT_LOOKUP_KEY")) {
        case let (keys?, lookup?):
            do { contacts = try ContactVault.parse(keys: keys, lookupSecret: lookup) } catch {
                problems.append("PARLEY_CONTACT_KEYS / PARLEY_CONTACT_LOOKUP_KEY: \(error)")
            }
        case (nil, _) where needsContactKeys:
            problems.append("PARLEY_CONTACT_KEYS is required: 'id:base64' of 32 random bytes, newest first, comma-separated "
                + "(for example 2026a:$(openssl rand -base64 32)); it encrypts customers' phone numbers and e-mail addresses")
        case (_, nil) where needsContactKeys:
            problems.append("PARLEY_CONTACT_LOOKUP_KEY is required: at least \(ContactVault.minimumLookupSecretBytes) random "
                + "characters, never changed once set (it keys the hashes contact lookups use)")
        default:
            break
        }

        if needsAPI {
            let jwtSecret = value("PARLEY_JWT_SECRET") ?? ""
            if jwtSecret.utf8.count < 32 { problems.append("PARLEY_JWT_SECRET is required: at least 32 random characters") }
            let operatorToken = value("PARLEY_OPERATOR_TOKEN") ?? ""
            if operatorToken.utf8.count < 32 { problems.append("PARLEY_OPERATOR_TOKEN is required: at least 32 random characters") }
            var api = APIConfiguration(
                jwtSecret: Array(jwtSecret.utf8), operatorToken: operatorToken,
                accessTokenTTL: TimeInterval(integer("PARLEY_ACCESS_TOKEN_TTL_SECONDS", default: 900, range: 60...86_400)),
                refreshTokenTTL: TimeInterval(integer("PARLEY_REFRESH_TOKEN_TTL_SECONDS", default: 30 * 86_400, range: 3600...365 * 86_400)),
                bcryptCost: UInt8(integer("PARLEY_BCRYPT_COST", default: 12, range: 4...16)),
                maxBodyBytes: integer("PARLEY_MAX_BODY_BYTES", default: 4 * 1024 * 1024, range: 1024...64 * 1024 * 1024))
            api.signInFailuresPerAddress = integer("PARLEY_SIGNIN_FAILURES_PER_ADDRESS", default: api.signInFailuresPerAddress,
                                                   range: 1...10_000)
            api.contactLookupsPerHour = integer("PARLEY_CONTACT_LOOKUPS_PER_HOUR", default: api.contactLookupsPerHour, range: 1...100_000)
            switch value("PARLEY_TRUST_FORWARDED_FOR") {
            case nil, "false": api.trustForwardedFor = false
            case "true": api.trustForwardedFor = true
            case let other?: problems.append("PARLEY_TRUST_FORWARDED_FOR must be true or false, got '\(other)'")
            }
            self.api = api
        }
        guard problems.isEmpty, let parsedURL else { throw Invalid(problems: problems) }
        databaseURL = parsedURL
    }
}
