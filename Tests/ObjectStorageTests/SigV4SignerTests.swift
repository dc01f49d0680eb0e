import Foundation
import Testing
@testable import ObjectStorage

/// AWS's published SigV4 examples for S3 (AKIAIOSFODNN7EXAMPLE, 24 May 2013):
/// "Signature Calculations for the Authorization Header: Transferring Payload in a
/// Single Chunk" (GET Object with Range) and "Authenticating Requests: Using Query
/// Parameters" (the presigned test.txt URL).
@Suite("SigV4 signing against AWS's published examples")
struct SigV4SignerTests {
    static let signer = SigV4Signer(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region: "us-east-1", service: "s3"
    )
    /// 20130524T000000Z
    static let date = Date(timeIntervalSince1970: 1_369_353_600)

    @Test("the AMZ date of 2013-05-24 00:00:00 UTC")
    func amzDate() {
        let date = AMZDate(Self.date)
        #expect(date.timestamp == "20130524T000000Z")
        #expect(date.day == "20130524")
        #expect(AMZDate(Date(timeIntervalSince1970: 1_796_165_932.9)).timestamp == "20261201T225852Z")
    }

    @Test("GET Object with Range: canonical request, its hash and the signature")
    func getObjectWithRange() {
        let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let request = CanonicalRequest(
            method: "GET", encodedPath: "/test.txt", query: [],
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", emptyHash),
                ("x-amz-date", "20130524T000000Z"),
            ],
            payloadHash: emptyHash
        )
        #expect(request.text == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(CanonicalRequest.emptyPayloadHash == emptyHash)
        #expect(hexSHA256(Data(request.text.utf8)) == "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
        #expect(Self.signer.stringToSign(request, date: AMZDate(Self.date)) == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(Self.signer.signature(request, date: AMZDate(Self.date)) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test("the presigned URL example: examplebucket/test.txt valid for 86400 s")
    func presignedExample() throws {
        let configuration = try S3Configuration(
            endpoint: try #require(URL(string: "https://s3.amazonaws.com")), bucket: "examplebucket", region: "us-east-1",
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", pathStyle: false
        )
        let presigner = S3Presigner(signer: Self.signer, addressing: S3Addressing(configuration))
        let url = try presigner.presignedGET(key: ObjectKey("test.txt"), extraQuery: [], expiresIn: 86400, now: Self.date)
        #expect(url.absoluteString == "https://examplebucket.s3.amazonaws.com/test.txt"
            + "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test("a signed URL must be valid for 1 second to 7 days")
    func expiryBounds() throws {
        let store = S3ObjectStore(configuration: try S3Configuration(
            endpoint: try #require(URL(string: "http://127.0.0.1:9000")), bucket: "parley", region: "us-east-1",
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret", pathStyle: true
        ))
        for seconds in [0.0, -5, 604_801] {
            #expect(throws: ObjectStoreError.self) {
                try store.download(key: "a/b.txt", fileName: "b.txt", contentType: "text/plain", expiresIn: seconds, now: Self.date)
            }
        }
        #expect(throws: Never.self) {
            try store.download(key: "a/b.txt", fileName: "b.txt", contentType: "text/plain", expiresIn: 604_800, now: Self.date)
        }
    }
}
