import Foundation
import Logging

extension S3ObjectStore {
    /// Sends one S3 request, retrying what `RetryPolicy` allows, and returns the answer
    /// once its status is accepted (2xx unless `accepting` says otherwise) and
    /// `validate` finds nothing wrong in it.
    ///
    /// `x-amz-content-sha256` is set here on every request: libcurl signs it when it is
    /// present but does not add it, and S3 refuses requests without it.
    func send(
        _ operation: String,
        _ method: CurlTransfer.Method,
        key: ObjectKey?,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [],
        body: CurlTransfer.Body = .none,
        payloadHash: String = CanonicalRequest.emptyPayloadHash,
        responseFile: WritableFile? = nil,
        accepting accept: @Sendable (Int) -> Bool = { $0 / 100 == 2 },
        validate: @Sendable (CurlTransfer.Response) -> ObjectStoreError? = { _ in nil }
    ) async throws -> CurlTransfer.Response {
        var allHeaders = headers
        allHeaders.append(("x-amz-content-sha256", payloadHash))
        let hasBody: Bool
        if case .none = body { hasBody = false } else { hasBody = true }
        if hasBody && !allHeaders.contains(where: { $0.name.lowercased() == "content-type" }) {
            // Without a Content-Type libcurl sends a form type for POST bodies.
            allHeaders.append(("Content-Type", "application/octet-stream"))
        }
        let transfer = CurlTransfer(
            method: method, url: addressing.url(for: key, query: query), headers: allHeaders,
            body: body, signing: signing, responseFile: responseFile
        )
        var attempt = 1
        while true {
            let error: ObjectStoreError
            if let responseFile, let truncateError = responseFile.truncate() { throw truncateError }
            let flag = CancellationFlag()
            let result = await BlockingThread.run("parley-s3", cancellation: flag) { transfer.perform(cancellation: flag) }
            switch result {
            case let .success(response):
                if !accept(response.status) {
                    error = S3ErrorBody.error(status: response.status, body: response.body)
                } else if let invalid = validate(response) {
                    error = invalid
                } else {
                    return response
                }
            case .failure(.cancelled):
                throw CancellationError()
            case let .failure(.local(localError)):
                throw localError
            case let .failure(.responseTooLarge(limit)):
                throw ObjectStoreError.malformedResponse("\(operation) answer is larger than \(limit) bytes")
            case let .failure(.curl(failure)):
                error = .transport(code: failure.code, message: failure.message)
            }
            guard attempt < retry.maxAttempts, retry.shouldRetry(error) else { throw error }
            let pause = retry.delay(after: attempt)
            logger.warning("object storage request failed; retrying", metadata: [
                "operation": "\(operation)", "attempt": "\(attempt)", "error": "\(error)", "retry_in": "\(pause)",
            ])
            try await Task.sleep(for: pause)
            attempt += 1
        }
    }
}
