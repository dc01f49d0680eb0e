import ArgumentParser
import Foundation
import Store

/// The audit trail's tools.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit trail.", subcommands: [AuditVerifyCommand.self])
}

/// Recomputes every tenant's audit hash chain with `PARLEY_AUDIT_KEY` and prints, by
/// position, each event that was edited, deleted, inserted or moved. Exits 1 when any
/// tenant's chain does not verify, 2 when the tenant asked for does not exist.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the audit trail's hash chains; prints each tenant's head (keep it outside the database to compare later).")

    @Option(help: "Only the tenant with this slug.")
    var tenant: String?

    func run() async throws {
        let runtime = try Runtime(needsAPI: false, needsAuditKey: true, connections: 2)
        let verifier = AuditChainVerifier(database: runtime.database, key: runtime.configuration.auditKey!)
        let broken = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.client.run() }
            defer { group.cancelAll() }
            let tenants = try await verifier.tenants(slug: tenant)
            if let tenant, tenants.isEmpty {
                print("no tenant with slug '\(tenant)'")
                throw ExitCode(2)
            }
            var broken = 0
            for (id, slug) in tenants {
                let report = try await verifier.verify(tenantID: id)
                let state = report.intact ? "intact" : "BROKEN"
                print("\(slug): \(state); \(report.checked) sealed events, \(report.unsealed) not yet sealed; "
                      + "head \(report.headPosition) \(report.headHex)")
                for problem in report.problems { print("  \(problem)") }
                if !report.intact { broken += 1 }
            }
            return broken
        }
        if broken > 0 { throw ExitCode(1) }
    }
}
