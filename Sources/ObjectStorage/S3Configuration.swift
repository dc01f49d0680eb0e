import Foundation

/// How to reach one S3-compatible bucket. Validated when made, so a mistake is found
/// at start-up with a message naming the field, not at the first export.
public struct S3Configuration: Sendable, CustomStringConvertible {
    /// S3's smallest allowed part (all but the last part of a multipart upload).
    public static let minimumPartSize = 5 * 1024 * 1024
    /// S3's largest allowed part.
    public static let maximumPartSize = 5 * 1024 * 1024 * 1024

    /// `https://s3.eu-central-1.amazonaws.com`, `http://127.0.0.1:9000`: scheme, host and
    /// optional port; no path, query or credentials.
    public let endpoint: URL
    public let bucket: String
    public let region: String
    public let accessKeyID: String
    public let secretAccessKey: String
    /// `endpoint/bucket/key` when true (MinIO, moto, most self-hosted servers);
    /// `bucket.endpoint/key` when false (AWS's preferred virtual-hosted style).
    public let pathStyle: Bool
    /// Files larger than this go up as a multipart upload in parts of this size.
    public let partSize: Int
    /// Tries per request, counting the first; retried on 5xx, 429 and transport errors.
    public let maxAttempts: Int

    public init(
        endpoint: URL, bucket: String, region: String, accessKeyID: String, secretAccessKey: String,
        pathStyle: Bool, partSize: Int = 8 * 1024 * 1024, maxAttempts: Int = 4
    ) throws(ObjectStoreError) {
        guard let scheme = endpoint.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .configuration("endpoint \(endpoint.absoluteString) must be an http or https URL")
        }
        guard let host = endpoint.host, !host.isEmpty else {
            throw .configuration("endpoint \(endpoint.absoluteString) has no host")
        }
        guard endpoint.user == nil, endpoint.password == nil else {
            throw .configuration("endpoint must not carry credentials; set the access key id and secret instead")
        }
        guard endpoint.path.isEmpty || endpoint.path == "/", endpoint.query == nil, endpoint.fragment == nil else {
            throw .configuration("endpoint \(endpoint.absoluteString) must have no path, query or fragment")
        }
        if let problem = Self.bucketNameProblem(bucket) {
            throw .configuration("bucket \(String(reflecting: bucket)) \(problem)")
        }
        if !pathStyle && scheme == "https" && bucket.contains(".") {
            // bucket.with.dots.s3.amazonaws.com does not match the *.s3.amazonaws.com certificate.
            throw .configuration("bucket \(String(reflecting: bucket)) has dots, which break TLS in virtual-hosted style; use path style")
        }
        guard !region.isEmpty, region.utf8.allSatisfy({ Self.isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else {
            throw .configuration("region \(String(reflecting: region)) must be lower-case letters, digits and dashes (e.g. us-east-1)")
        }
        // libcurl splits "user:password" at the first colon and sends the user in the
        // Credential field: a colon or control character in the key cannot be signed.
        guard !accessKeyID.isEmpty, !accessKeyID.contains(":"), accessKeyID.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .configuration("access key id must be non-empty printable ASCII without ':'")
        }
        guard !secretAccessKey.isEmpty, !secretAccessKey.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .configuration("secret access key must be non-empty and contain no control characters")
        }
        guard (Self.minimumPartSize...Self.maximumPartSize).contains(partSize) else {
            throw .configuration("part size \(partSize) must be between 5 MiB and 5 GiB (S3's limits)")
        }
        guard (1...10).contains(maxAttempts) else {
            throw .configuration("max attempts \(maxAttempts) must be between 1 and 10")
        }
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.pathStyle = pathStyle
        self.partSize = partSize
        self.maxAttempts = maxAttempts
    }

    /// Everything but the secret, for logs.
    public var description: String {
        "S3Configuration(endpoint: \(endpoint.absoluteString), bucket: \(bucket), region: \(region), accessKeyID: \(accessKeyID), secretAccessKey: <redacted>, pathStyle: \(pathStyle), partSize: \(partSize), maxAttempts: \(maxAttempts))"
    }

    /// S3's bucket naming rules (3–63 characters of a-z 0-9 . -, starting and ending
    /// with a letter or digit), checked here so a typo is not an opaque 400 later.
    private static func bucketNameProblem(_ bucket: String) -> String? {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count) else { return "must be 3 to 63 characters long" }
        guard bytes.allSatisfy({ isLowerAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else {
            return "may contain only lower-case letters, digits, dots and dashes"
        }
        guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last) else {
            return "must start and end with a letter or digit"
        }
        guard !bucket.contains("..") else { return "must not contain two dots in a row" }
        return nil
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
