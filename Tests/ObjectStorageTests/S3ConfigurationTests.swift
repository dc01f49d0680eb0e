import Foundation
import Testing
@testable import ObjectStorage

@Suite("S3 configuration")
struct S3ConfigurationTests {
    static func make(
        endpoint: String = "https://s3.eu-central-1.amazonaws.com", bucket: String = "parley-exports", region: String = "eu-central-1",
        key: String = "AKIAIOSFODNN7EXAMPLE", secret: String = "secret", pathStyle: Bool = false,
        partSize: Int = 8 * 1024 * 1024, maxAttempts: Int = 4
    ) throws(ObjectStoreError) -> S3Configuration {
        guard let url = URL(string: endpoint) else { throw .configuration("test endpoint is not a URL") }
        return try S3Configuration(
            endpoint: url, bucket: bucket, region: region, accessKeyID: key, secretAccessKey: secret,
            pathStyle: pathStyle, partSize: partSize, maxAttempts: maxAttempts
        )
    }

    @Test("a valid configuration keeps its values and never prints the secret")
    func valid() throws {
        let configuration = try Self.make(secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        #expect(configuration.partSize == 8 * 1024 * 1024)
        #expect(configuration.maxAttempts == 4)
        #expect(!configuration.description.contains("wJalrXUtnFEMI"))
        #expect(configuration.description.contains("<redacted>"))
    }

    @Test("each mistake is refused with a message naming the field")
    func invalid() {
        let cases: [(String, () throws(ObjectStoreError) -> S3Configuration)] = [
            ("endpoint", { () throws(ObjectStoreError) in try Self.make(endpoint: "ftp://s3.example.com") }),
            ("endpoint", { () throws(ObjectStoreError) in try Self.make(endpoint: "https://s3.example.com/some/path") }),
            ("credentials", { () throws(ObjectStoreError) in try Self.make(endpoint: "https://user:pw@s3.example.com") }),
            ("bucket", { () throws(ObjectStoreError) in try Self.make(bucket: "Parley") }),
            ("bucket", { () throws(ObjectStoreError) in try Self.make(bucket: "ab") }),
            ("bucket", { () throws(ObjectStoreError) in try Self.make(bucket: "-parley") }),
            ("dots", { () throws(ObjectStoreError) in try Self.make(bucket: "parley.exports", pathStyle: false) }),
            ("region", { () throws(ObjectStoreError) in try Self.make(region: "") }),
            ("region", { () throws(ObjectStoreError) in try Self.make(region: "EU Central") }),
            ("access key id", { () throws(ObjectStoreError) in try Self.make(key: "AKIA:X") }),
            ("secret access key", { () throws(ObjectStoreError) in try Self.make(secret: "") }),
            ("part size", { () throws(ObjectStoreError) in try Self.make(partSize: 1024 * 1024) }),
            ("max attempts", { () throws(ObjectStoreError) in try Self.make(maxAttempts: 0) }),
        ]
        for (field, make) in cases {
            do {
                _ = try make()
                Issue.record("accepted a configuration with a bad \(field)")
            } catch {
                guard case let .configuration(message) = error else {
                    Issue.record("\(field): \(error) is not a configuration error")
                    continue
                }
                #expect(message.contains(field), "\(message) should name \(field)")
            }
        }
        #expect(throws: Never.self) { try Self.make(bucket: "parley.exports", pathStyle: true) }
        #expect(throws: Never.self) { try Self.make(endpoint: "http://127.0.0.1:9000/", pathStyle: true) }
    }
}
