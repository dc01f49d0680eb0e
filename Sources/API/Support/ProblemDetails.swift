import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem: what the client gets for every error.
struct ProblemDetails: Encodable, Sendable {
    var type: String = "about:blank"
    var title: String
    var status: Int
    var detail: String?
    /// The offending input, as a path into the request (`messages[3].text`, `query.limit`).
    var field: String?
    /// Quote this when reporting a problem: it finds the server's log lines.
    var requestId: String?
    /// With `two-step-enrolment-required`: the secret to enrol with.
    var enrolment: TwoStepEnrolmentBody?

    init(status: HTTPResponse.Status, detail: String?, field: String? = nil, requestId: String? = nil) {
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.field = field
        self.requestId = requestId
    }

    static let twoStepRequiredType = "https://parley.dev/problems/two-step-required"
    static let twoStepEnrolmentRequiredType = "https://parley.dev/problems/two-step-enrolment-required"

    func response(extraHeaders: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(self)) ?? Data(#"{"title":"Internal Server Error","status":500}"#.utf8)
        var headers = extraHeaders
        headers[.contentType] = "application/problem+json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
