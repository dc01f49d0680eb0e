import Domain
import Foundation
import HTTPTypes
import Hummingbird
import ObjectStorage
import Store

/// What route handlers share: built once per process in `ParleyAPI`.
struct Services: Sendable {
    let configuration: APIConfiguration
    let database: Database
    let tokens: AccessTokens
    let passwords: PasswordHasher
    let authenticator: Authenticator
    /// Wakes long-polls of `GET /v1/notifications`; one per process, run as a service.
    let notifications: NotificationHub
    /// Where export files are stored.
    let objectStore: any ObjectStore

    var now: Date { database.clock.now() }

    /// Runs `body` for the signed-in user, in one transaction scoped to them; `body`
    /// gets what the scope resolved (current role, departments, permissions).
    func asUser<T: Sendable>(_ request: Request, _ context: AppRequestContext,
                             _ body: @escaping @Sendable (Transaction, ResolvedUser) async throws -> T) async throws -> T {
        var context = context
        let principal = try authenticator.user(request, context: &context)
        return try await asUser(principal, context, body)
    }

    /// `asUser` for a caller already authenticated: routes that read a body do that first,
    /// so a missing token is a 401 before any 400 about the body, and the token is checked once.
    func asUser<T: Sendable>(_ principal: UserPrincipal, _ context: AppRequestContext,
                             _ body: @escaping @Sendable (Transaction, ResolvedUser) async throws -> T) async throws -> T {
        try await database.withScope(.user(principal), logger: context.logger) { tx in
            // A user scope always resolves its user, or throws before getting here.
            try await body(tx, tx.user!)
        }
    }

    /// Like `asUser`, for admins only: others get 403. The role is checked twice, in the
    /// token (cheap, before any database work) and as stored now (the token may predate a demotion).
    func asAdmin<T: Sendable>(_ request: Request, _ context: AppRequestContext,
                              _ body: @escaping @Sendable (Transaction, ResolvedUser) async throws -> T) async throws -> T {
        var context = context
        let principal = try authenticator.admin(request, context: &context)
        return try await asAdmin(principal, context, body)
    }

    /// `asAdmin` for a caller already authenticated (see `asUser(_:_:_:)` with a principal).
    func asAdmin<T: Sendable>(_ principal: UserPrincipal, _ context: AppRequestContext,
                              _ body: @escaping @Sendable (Transaction, ResolvedUser) async throws -> T) async throws -> T {
        try await database.withScope(.user(principal), logger: context.logger) { tx in
            guard let user = tx.user, user.mayAdminister else { throw APIError.forbidden("only admins may do this") }
            return try await body(tx, user)
        }
    }
}

/// A role ability that gates a whole route (`RoleAbilities`), with the 403's words.
struct RoleGate: Sendable {
    let allows: @Sendable (UserRole) -> Bool
    let refusal: String
}

extension Services {
    /// The signed-in caller, if their token's role passes `gate` (403 otherwise) — before any
    /// body or database work, so a refused caller learns nothing about their input.
    func caller(_ request: Request, _ context: inout AppRequestContext, _ gate: RoleGate) throws -> UserPrincipal {
        let principal = try authenticator.user(request, context: &context)
        guard gate.allows(principal.role) else { throw APIError.forbidden(gate.refusal) }
        return principal
    }

    /// `asUser`, checking `gate` again against the role as stored now (the token may predate a demotion).
    func asUser<T: Sendable>(_ principal: UserPrincipal, _ context: AppRequestContext, _ gate: RoleGate,
                             _ body: @escaping @Sendable (Transaction, ResolvedUser) async throws -> T) async throws -> T {
        try await asUser(principal, context) { tx, user in
            guard gate.allows(user.role) else { throw APIError.forbidden(gate.refusal) }
            return try await body(tx, user)
        }
    }
}

extension Services {
    /// The client's IP address for per-address limits: the socket's peer, or — behind a
    /// proxy that appends it, when configured to trust it — the last `X-Forwarded-For`
    /// entry (earlier entries are the client's own word and could be anything).
    func clientAddress(_ request: Request, _ context: AppRequestContext) -> String? {
        if configuration.trustForwardedFor, let forwarded = request.headers[.xForwardedFor],
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
           !last.isEmpty, last.count <= 64 {
            return last
        }
        return context.peerAddress
    }

    /// For a user who sees contact details masked, a lookup by a full phone number or
    /// e-mail is audited and throttled per user (429 with `Retry-After` past the limit).
    func admitContactLookup(_ tx: Transaction, _ user: ResolvedUser, by kind: String) async throws {
        guard !user.seesContactDetails else { return }
        if let wait = try await ContactLookups(tx, tenantID: user.tenantID)
            .admit(actor: user.userID, by: kind, limitPerHour: configuration.contactLookupsPerHour) {
            throw APIError.tooManyRequests("too many lookups by phone number or e-mail; try again later", retryAfter: wait)
        }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
