/// A multipart upload that was started and neither completed nor aborted. Its parts
/// cost storage until it is aborted; a worker killed mid-upload leaves one behind.
public struct OpenMultipartUpload: Sendable, Equatable {
    public let key: String
    public let uploadID: String

    public init(key: String, uploadID: String) {
        self.key = key
        self.uploadID = uploadID
    }
}
