import ArgumentParser
import Foundation
import Store

/// The contact keys' tools (docs/contacts.md).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the keys contact details are encrypted with.",
        subcommands: [KeysRotateCommand.self])
}

/// Re-encrypts every contact value not yet under the first key of `PARLEY_CONTACT_KEYS`
/// (and seals what older rows hold in plaintext). Resumable: run it again after a stop.
struct KeysRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Re-encrypt contact details under the current key (the first of PARLEY_CONTACT_KEYS), in batches; resumable.",
        discussion: """
            Put the new key first in PARLEY_CONTACT_KEYS and keep the old ones after it; restart the service \
            and workers; run this; then drop the old keys. Also seals values written before encryption.
            """)

    @Option(help: "Rows per transaction.")
    var batchSize = 500

    func validate() throws {
        guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 10000") }
    }

    func run() async throws {
        let runtime = try Runtime(needsAPI: false, connections: 2)
        let rotation = ContactKeyRotation(database: runtime.database)
        print("sealing under key '\(runtime.database.contacts.current.id)'")
        let total = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.client.run() }
            defer { group.cancelAll() }
            return try await rotation.run(batchSize: batchSize) { slug, tally in
                print("\(slug): \(tally.customers) customers, \(tally.identities) identities, "
                      + "\(tally.twoStepSecrets) two-step secrets re-sealed")
            }
        }
        print("done: \(total.customers) customers, \(total.identities) identities, \(total.twoStepSecrets) two-step secrets")
    }
}
