import Foundation

/// S3's `<Error><Code>…</Code><Message>…</Message></Error>` answer.
struct S3ErrorBody: Sendable, Equatable {
    let code: String?
    let message: String?

    /// nil when the body is not an S3 error document (empty for HEAD, HTML from a proxy).
    init?(_ data: Data) {
        guard !data.isEmpty, let root = XMLNode.parse(data), root.name == "Error" else { return nil }
        code = root.value("Code")
        message = root.value("Message")
    }

    /// The typed error for an answer with `status`, reading the body when there is one.
    static func error(status: Int, body: Data) -> ObjectStoreError {
        let parsed = S3ErrorBody(body)
        return .http(status: status, code: parsed?.code, message: parsed?.message)
    }
}
