import Domain
import Foundation
import Store

/// The customer part of a customer's data export: profile, identities, tags, notes (with
/// every revision) and visits, read under the requester's scope and encoded as one JSON
/// object for `JSONRenderer` (the conversations follow it in the file).
enum CustomerDataDocument {
    static func encode(_ customerID: UUID, tx: Transaction, tenantID: UUID, unmasked: Bool) async throws -> Data {
        let customer = try await CustomerRepository(tx, tenantID: tenantID).customer(customerID)
        let profile = CustomerProfileRepository(tx, tenantID: tenantID)
        let tagNames = Dictionary(uniqueKeysWithValues: try await TagRepository(tx, tenantID: tenantID).tags().map { ($0.id, $0.name) })
        var notes: [Note] = []
        for note in try await profile.notes(of: customerID) {
            let revisions = try await profile.revisions(of: note.id, customerID: customerID)
            notes.append(Note(id: note.id, text: note.text, locked: note.locked, createdAt: note.createdAt, updatedAt: note.updatedAt,
                              revisions: revisions.map { Revision(action: $0.action, text: $0.text, at: $0.at) }))
        }
        let visits = try await profile.visits(of: customerID).map {
            Visit(channel: $0.channel.rawValue, pageURL: $0.pageURL, pageTitle: $0.pageTitle, referrer: $0.referrer,
                  entrySource: $0.entrySource, device: $0.device, startedAt: $0.startedAt, dwellSeconds: $0.dwellSeconds)
        }
        let document = Customer(
            id: customer.id, name: customer.name,
            phone: unmasked ? customer.phone : customer.phone.map(ContactMasking.maskPhone),
            email: unmasked ? customer.email : customer.email.map(ContactMasking.maskEmail),
            createdAt: customer.createdAt,
            identities: customer.identities.map {
                Identity(channel: $0.channel.rawValue, externalId: $0.externalID, name: $0.name, phone: $0.phone, email: $0.email)
            },
            tags: customer.tagIDs.compactMap { tagNames[$0] }, notes: notes, visits: visits)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // The integrations' attributes are a JSON object already (a CHECK says so): spliced in
        // as stored rather than decoded into Swift values and encoded back.
        var object = try encoder.encode(document)
        object.removeFirst()
        return Data("{\"attributes\":\(customer.attributesJSON),".utf8) + object
    }

    private struct Customer: Encodable {
        let id: UUID, name: String?, phone: String?, email: String?, createdAt: Date
        let identities: [Identity], tags: [String], notes: [Note], visits: [Visit]
    }

    /// Each channel identity with what it said about the customer (all of it is theirs).
    private struct Identity: Encodable { let channel: String, externalId: String, name: String?, phone: String?, email: String? }

    private struct Note: Encodable {
        let id: UUID, text: String, locked: Bool, createdAt: Date, updatedAt: Date, revisions: [Revision]
    }

    private struct Revision: Encodable { let action: String, text: String, at: Date }

    private struct Visit: Encodable {
        let channel: String, pageURL: String, pageTitle: String?, referrer: String?, entrySource: String?, device: String?
        let startedAt: Date, dwellSeconds: Int?
    }
}
