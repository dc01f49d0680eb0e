import Domain
import Foundation
import Hummingbird
import Store

/// Customer profiles: find by name, phone or e-mail; all their conversations across channels.
struct CustomerRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/customers") { request, context in
            var context = context
            let user = try services.authenticator.user(request, context: &context)
            let query = QueryParameters(request)
            let limit = try query.limit(default: 20, maximum: 100)
            guard let text = try query.string("q", maxLength: 200) else {
                // No q: browse, newest first, optionally by tag.
                let tagID = try query.uuid("tagId")
                let cursor = try query.cursor()
                let (page, unmasked) = try await services.asUser(user, context) { tx, user in
                    try await AuditLog(tx, tenantID: user.tenantID).record(
                        actor: user.userID, action: "customers.browsed", targetType: "tenant", targetID: nil,
                        details: AuditDetails.contacts(unmasked: user.seesContactDetails))
                    return (try await CustomerRepository(tx, tenantID: user.tenantID).browse(tagID: tagID, after: cursor, limit: limit),
                            user.seesContactDetails)
                }
                return try JSONBody.response(ListBody(items: page.items.map { CustomerBody($0, unmasked: unmasked) },
                                                      nextCursor: page.nextCursor?.encoded))
            }
            let term = text.trimmingCharacters(in: .whitespaces)
            guard !term.isEmpty else {
                throw APIError.badRequest("give a name, phone number or e-mail to look for, or leave q out to browse", field: "query.q")
            }
            let (customers, unmasked) = try await services.asUser(user, context) { tx, user in
                let kind = ContactMasking.isContactDetail(term) ? (term.contains("@") ? "email" : "phone") : "name"
                // A masked viewer's lookup by phone or e-mail is its own (throttled) event; every other search is this one.
                if kind != "name", !user.seesContactDetails {
                    try await services.admitContactLookup(tx, user, by: kind)
                } else {
                    try await AuditLog(tx, tenantID: user.tenantID).record(
                        actor: user.userID, action: "customers.searched", targetType: "tenant", targetID: nil,
                        details: ["by": kind].merging(AuditDetails.contacts(unmasked: user.seesContactDetails)) { $1 })
                }
                return (try await CustomerRepository(tx, tenantID: user.tenantID).search(term, limit: limit), user.seesContactDetails)
            }
            return try JSONBody.response(ListBody(items: customers.map { CustomerBody($0, unmasked: unmasked) }))
        }

        routes.add(.get, "/v1/customers/{customerId}") { request, context in
            var context = context
            let user = try services.authenticator.user(request, context: &context)
            let id = try request.pathID("customerId", context: context, what: "customer")
            let profile = try await services.database.withScope(.user(user), logger: context.logger) { tx in
                let customer = try await CustomerRepository(tx, tenantID: user.tenantID).customer(id)
                let notes = try await CustomerProfileRepository(tx, tenantID: user.tenantID).notes(of: id)
                let unmasked = tx.user?.seesContactDetails ?? false
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "customer.viewed", targetType: "customer", targetID: id,
                            details: AuditDetails.contacts(unmasked: unmasked))
                return CustomerBody(customer, unmasked: unmasked, notes: notes)
            }
            return try JSONBody.response(profile)
        }

        routes.add(.get, "/v1/customers/{customerId}/conversations") { request, context in
            var context = context
            let user = try services.authenticator.user(request, context: &context)
            let id = try request.pathID("customerId", context: context, what: "customer")
            let query = QueryParameters(request)
            let cursor = try query.cursor()
            let limit = try query.limit()
            let page = try await services.database.withScope(.user(user), logger: context.logger) { tx in
                _ = try await CustomerRepository(tx, tenantID: user.tenantID).customer(id)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "customer.conversations_listed", targetType: "customer", targetID: id)
                return try await ConversationRepository(tx, tenantID: user.tenantID)
                    .conversations(ofCustomer: id, after: cursor, limit: limit)
            }
            return try JSONBody.response(ListBody(items: page.items.map(ConversationBody.init), nextCursor: page.nextCursor?.encoded))
        }

        registerProfile(on: routes)
    }

    /// Tags, notes (with history and an admin lock) and the timeline of a customer.
    private func registerProfile(on routes: RouteRecorder) {
        routes.add(.put, "/v1/customers/{customerId}/tags") { request, context in
            let id = try request.pathID("customerId", context: context, what: "customer")
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let tagIDs = try await SetTagsRequest.decode(from: request)
            let customer = try await services.asUser(principal, context) { tx, user in
                CustomerBody(try await CustomerRepository(tx, tenantID: user.tenantID).setTags(id, tagIDs),
                             unmasked: user.seesContactDetails)
            }
            return try JSONBody.response(customer)
        }

        routes.add(.post, "/v1/customers/{customerId}/notes") { request, context in
            let id = try request.pathID("customerId", context: context, what: "customer")
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let text = try await NoteRequest.text(from: request)
            let note = try await services.asUser(principal, context) { tx, user in
                try await CustomerProfileRepository(tx, tenantID: user.tenantID).addNote(to: id, text: text, by: user.userID)
            }
            return try JSONBody.response(NoteBody(note), status: .created)
        }

        routes.add(.put, "/v1/customers/{customerId}/notes/{noteId}") { request, context in
            let id = try request.pathID("customerId", context: context, what: "customer")
            let noteID = try request.pathID("noteId", context: context, what: "note")
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let text = try await NoteRequest.text(from: request)
            let note = try await services.asUser(principal, context) { tx, user in
                try await CustomerProfileRepository(tx, tenantID: user.tenantID)
                    .editNote(noteID, of: id, text: text, by: user.userID, isAdmin: user.mayLockNotes)
            }
            return try JSONBody.response(NoteBody(note))
        }

        routes.add(.get, "/v1/customers/{customerId}/notes/{noteId}/revisions") { request, context in
            let id = try request.pathID("customerId", context: context, what: "customer")
            let noteID = try request.pathID("noteId", context: context, what: "note")
            let revisions = try await services.asUser(request, context) { tx, user in
                try await CustomerProfileRepository(tx, tenantID: user.tenantID).revisions(of: noteID, customerID: id)
            }
            return try JSONBody.response(ListBody(items: revisions.map(NoteRevisionBody.init)))
        }

        for (method, locked) in [(HTTPRequest.Method.put, true), (.delete, false)] {
            routes.add(method, "/v1/customers/{customerId}/notes/{noteId}/lock") { request, context in
                let id = try request.pathID("customerId", context: context, what: "customer")
                let noteID = try request.pathID("noteId", context: context, what: "note")
                let note = try await services.asUser(request, context) { tx, user in
                    guard user.mayLockNotes else { throw APIError.forbidden("only admins lock and unlock notes") }
                    return try await CustomerProfileRepository(tx, tenantID: user.tenantID)
                        .setLocked(noteID, of: id, locked: locked, by: user.userID)
                }
                return try JSONBody.response(NoteBody(note))
            }
        }

        routes.add(.get, "/v1/customers/{customerId}/timeline") { request, context in
            let id = try request.pathID("customerId", context: context, what: "customer")
            let query = QueryParameters(request)
            let cursor = try query.cursor()
            let limit = try query.limit()
            let page = try await services.asUser(request, context) { tx, user in
                let page = try await CustomerProfileRepository(tx, tenantID: user.tenantID).timeline(of: id, after: cursor, limit: limit)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "customer.timeline_viewed", targetType: "customer", targetID: id)
                return page
            }
            return try JSONBody.response(ListBody(items: page.items.map(TimelineEntryBody.init), nextCursor: page.nextCursor?.encoded))
        }
    }
}
