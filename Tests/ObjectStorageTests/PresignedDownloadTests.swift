import Foundation
import Testing
@testable import ObjectStorage

/// moto cannot check presigned URLs: with signature checking on it answers every
/// request without an Authorization header with a 500 (it looks the header up and
/// fails), and with checking off it serves any URL, signed or not, expired or not.
/// So a URL's validity is proved against botocore's signer, an independent SigV4
/// implementation, on the same inputs and the same (injected) time.
@Suite("Presigned download URLs")
struct PresignedDownloadTests {
    static let botocoreScript = """
        import datetime, sys
        import boto3, botocore.auth
        from botocore.config import Config
        endpoint, region, key_id, secret, bucket, key, disposition, content_type, expires, now = sys.argv[1:11]
        fixed = datetime.datetime.fromtimestamp(int(now), datetime.timezone.utc).replace(tzinfo=None)
        botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=key_id,
                          aws_secret_access_key=secret,
                          config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        print(s3.generate_presigned_url("get_object", ExpiresIn=int(expires), Params={
            "Bucket": bucket, "Key": key,
            "ResponseContentDisposition": disposition, "ResponseContentType": content_type}))
        """

    @Test("the URL matches botocore's, signature included, before and after its expiry time", arguments: [
        (900.0, Date(timeIntervalSince1970: 1_796_165_932)),
        // Signed a day ago for 60 s: long expired, and still exactly what botocore signs.
        (60.0, Date(timeIntervalSinceNow: -86400)),
    ])
    func matchesBotocore(expiresIn: TimeInterval, now: Date) throws {
        let configuration = try S3Configuration(
            endpoint: try #require(URL(string: "http://127.0.0.1:9000")), bucket: "parley-test", region: "eu-central-1",
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", pathStyle: true
        )
        let store = S3ObjectStore(configuration: configuration)
        let key = "tenants/0190a6b4-1c2d-7e3f-8a9b-0c1d2e3f4a5b/exports/0190a6b4-aaaa-7bbb-8ccc-dddddddddddd/report.xlsx"
        let fileName = "会话导出 2024-05 (final).xlsx"
        let contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

        guard case let .redirect(ours) = try store.download(key: key, fileName: fileName, contentType: contentType, expiresIn: expiresIn, now: now) else {
            Issue.record("S3 must answer with a redirect")
            return
        }
        let theirs = try #require(URL(string: try Python.run(Self.botocoreScript, [
            "http://127.0.0.1:9000", "eu-central-1", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "parley-test", key, ContentDisposition.attachment(fileName: fileName), contentType,
            String(Int(expiresIn)), String(Int(now.timeIntervalSince1970)),
        ])))

        #expect(ours.path == theirs.path)
        #expect(ours.host == theirs.host && ours.port == theirs.port)
        let ourQuery = try Self.query(ours)
        let theirQuery = try Self.query(theirs)
        #expect(ourQuery == theirQuery)
        #expect(ourQuery["X-Amz-Signature"] != nil)
        #expect(ourQuery["X-Amz-Date"] == AMZDate(now).timestamp)
        #expect(ourQuery["X-Amz-Expires"] == String(Int(expiresIn)))
        #expect(ourQuery["response-content-disposition"] == "attachment; filename*=UTF-8''%E4%BC%9A%E8%AF%9D%E5%AF%BC%E5%87%BA%202024-05%20%28final%29.xlsx")
    }

    @Test("the file store hands out the stored file to stream, and refuses a missing one")
    func fileStoreDownload() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = FileObjectStore(root: folder.url.appendingPathComponent("objects"))
        let key = "tenants/t/exports/e/out.csv"
        _ = try await store.put(file: try folder.randomFile("out.csv", count: 10), key: key, contentType: "text/csv")
        let location = try store.download(key: key, fileName: "out.csv", contentType: "text/csv", expiresIn: 60, now: Date())
        #expect(location == .localFile(folder.url.appendingPathComponent("objects/tenants/t/exports/e/out.csv").standardizedFileURL))
        #expect(throws: ObjectStoreError.notFound(key: "tenants/t/missing.csv")) {
            try store.download(key: "tenants/t/missing.csv", fileName: "m.csv", contentType: "text/csv", expiresIn: 60, now: Date())
        }
    }

    /// Query items, percent-decoded, by name (each appears once in a presigned URL).
    static func query(_ url: URL) throws -> [String: String] {
        let components = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false))
        var items: [String: String] = [:]
        for item in components.queryItems ?? [] { items[item.name] = item.value ?? "" }
        return items
    }
}
