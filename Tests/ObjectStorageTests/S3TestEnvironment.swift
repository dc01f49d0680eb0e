import Foundation
@testable import ObjectStorage

/// The moto server that `scripts/lib/s3.sh` (`s3_start PORT`) starts and describes in
/// environment variables. Tests that need it fail, loudly, when it is not there: a
/// skipped storage test looks like a passing one.
struct S3TestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let variable: String
        var description: String {
            "\(variable) is not set: start the S3 test server first (source scripts/lib/s3.sh; s3_start PORT), or run scripts/test"
        }
    }

    let endpoint: URL
    let bucket: String
    let region: String
    let accessKeyID: String
    let secretAccessKey: String

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else { throw Missing(variable: name) }
            return value
        }
        guard let endpoint = URL(string: try value("PARLEY_TEST_S3_ENDPOINT")) else { throw Missing(variable: "PARLEY_TEST_S3_ENDPOINT (as a URL)") }
        self.endpoint = endpoint
        bucket = try value("PARLEY_TEST_S3_BUCKET")
        region = try value("PARLEY_TEST_S3_REGION")
        accessKeyID = try value("PARLEY_TEST_S3_ACCESS_KEY_ID")
        secretAccessKey = try value("PARLEY_TEST_S3_SECRET_ACCESS_KEY")
    }

    func configuration(bucket: String? = nil, secret: String? = nil, partSize: Int = S3Configuration.minimumPartSize, maxAttempts: Int = 2) throws -> S3Configuration {
        try S3Configuration(
            endpoint: endpoint, bucket: bucket ?? self.bucket, region: region, accessKeyID: accessKeyID,
            secretAccessKey: secret ?? secretAccessKey, pathStyle: true, partSize: partSize, maxAttempts: maxAttempts
        )
    }

    func store(bucket: String? = nil, secret: String? = nil, partSize: Int = S3Configuration.minimumPartSize) throws -> S3ObjectStore {
        S3ObjectStore(configuration: try configuration(bucket: bucket, secret: secret, partSize: partSize))
    }

    /// A key no other test (or earlier run against the same server) uses.
    static func uniqueKey(_ name: String) -> String {
        "tenants/\(UUID().uuidString.lowercased())/exports/\(UUID().uuidString.lowercased())/\(name)"
    }
}
