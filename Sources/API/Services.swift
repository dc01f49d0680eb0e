import Domain
import Foundation
import Store

/// What route handlers share: built once per process in `ParleyAPI`.
struct Services: Sendable {
    let configuration: APIConfiguration
    let database: Database
    let tokens: AccessTokens
    let passwords: PasswordHasher
    let authenticator: Authenticator

    var now: Date { database.clock.now() }
}
