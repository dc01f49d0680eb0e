import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import Store

/// The one place errors become HTTP responses. Anything unexpected is logged with
/// the request id and tenant id, and the client sees a 500 without internals.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.problem(for: error, context: context).response(extraHeaders: Self.headers(for: error))
        }
    }

    static func problem(for error: any Error, context: Context) -> ProblemDetails {
        let requestID = context.id
        func make(_ status: HTTPResponse.Status, _ detail: String?, field: String? = nil) -> ProblemDetails {
            ProblemDetails(status: status, detail: detail, field: field, requestId: requestID)
        }
        switch error {
        case let error as APIError:
            switch error {
            case .badRequest(let detail, let field): return make(.badRequest, detail, field: field)
            case .unauthenticated(let detail): return make(.unauthorized, detail)
            case .forbidden(let detail): return make(.forbidden, detail)
            case .notFound(let what): return make(.notFound, "\(what) not found")
            case .conflict(let detail): return make(.conflict, detail)
            case .gone(let detail): return make(.gone, detail)
            case .unsupportedMediaType: return make(.unsupportedMediaType, "send the body as application/json")
            case .payloadTooLarge(let limit): return make(.contentTooLarge, "the body is larger than \(limit) bytes")
            case .tooManyRequests(let detail, _): return make(.tooManyRequests, detail)
            case .methodNotAllowed(let allowed):
                return make(.methodNotAllowed, "this path answers \(allowed.joined(separator: ", "))")
            case .twoStepRequired:
                var problem = make(.unauthorized, "two-step sign-in is on: send the code from the authenticator app, or a recovery code",
                                   field: "code")
                problem.type = ProblemDetails.twoStepRequiredType
                return problem
            case .twoStepEnrolmentRequired(let enrolment):
                var problem = make(.forbidden, "this tenant requires two-step sign-in: add the secret to an authenticator app, "
                                   + "then sign in again with its code", field: "code")
                problem.type = ProblemDetails.twoStepEnrolmentRequiredType
                problem.enrolment = enrolment
                return problem
            }
        case let error as ValidationError:
            return make(.unprocessableContent, error.reason, field: error.field)
        case let error as StoreError:
            switch error {
            case .notFound(let what): return make(.notFound, "\(what) not found")
            case .conflict(let detail): return make(.conflict, detail)
            case .principalGone: return make(.unauthorized, "the account no longer exists or is disabled")
            case .invalidValue(let sqlState):
                // A data exception (a value PostgreSQL cannot take): the client's input, not our
                // fault — but logged, since input rules should have caught it first.
                context.taggedLogger.notice("data exception from the database", metadata: ["sqlstate": "\(sqlState)"])
                return make(.badRequest, "a value in the request is out of range or malformed")
            case .concurrentChange:
                return make(.serviceUnavailable, "the request collided with a concurrent change; retry it")
            case .concurrentDuplicate:
                return make(.conflict, "a concurrent request created the same thing; retry to see it")
            case .unavailable:
                context.taggedLogger.error("database unavailable")
                return make(.serviceUnavailable, "the database is not reachable; retry later")
            case .migrationChecksumMismatch, .migrationFailed, .corrupt:
                context.taggedLogger.error("store failure", metadata: ["error": "\(error)"])
                return make(.internalServerError, nil)
            }
        case CustomerProfileRepository.NoteError.locked:
            return make(.forbidden, "the note is locked; only admins may edit it")
        case let error as HTTPParserError:
            // The client sent a malformed request or went away mid-body (a cut connection, a
            // deadline of HTTPDeadlineHandler): theirs, not ours, and usually nobody to answer.
            context.taggedLogger.debug("request ended by the client", metadata: ["error": "\(error)"])
            return make(.badRequest, "the request was malformed or ended early")
        case let error as HTTPError:
            return make(error.status, error.body)
        case let error as HTTPResponseError:
            return make(error.status, nil)
        default:
            context.taggedLogger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return make(.internalServerError, nil)
        }
    }

    static func headers(for error: any Error) -> HTTPFields {
        var headers: HTTPFields = [:]
        switch error {
        case APIError.unauthenticated, APIError.twoStepRequired, StoreError.principalGone:
            headers[.wwwAuthenticate] = "Bearer"
        case StoreError.concurrentChange, StoreError.unavailable:
            headers[.retryAfter] = "1"
        case APIError.tooManyRequests(_, let retryAfter):
            headers[.retryAfter] = "\(retryAfter)"
        case APIError.methodNotAllowed(let allowed):
            headers[.allow] = allowed.joined(separator: ", ")
        default:
            break
        }
        return headers
    }
}
