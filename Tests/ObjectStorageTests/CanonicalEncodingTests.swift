import Foundation
import Testing
@testable import ObjectStorage

/// Keys and file names with characters moto mishandles (it rejects percent-encoded
/// keys other than %20) are proved here, at the canonical-request level.
@Suite("AWS percent-encoding and canonical queries")
struct CanonicalEncodingTests {
    @Test("unreserved characters stay, everything else is %XX in upper case")
    func unreservedOnly() {
        #expect(AWSPercentEncoding.encode("AZaz09-_.~") == "AZaz09-_.~")
        #expect(AWSPercentEncoding.encode("a b+c*d%e/f=g&h'i(j)k!l$m,n;o:p@q") == "a%20b%2Bc%2Ad%25e%2Ff%3Dg%26h%27i%28j%29k%21l%24m%2Cn%3Bo%3Ap%40q")
        #expect(AWSPercentEncoding.encode("退款 report.xlsx") == "%E9%80%80%E6%AC%BE%20report.xlsx")
    }

    @Test("slashes are kept in paths and encoded in query values")
    func slashes() {
        #expect(AWSPercentEncoding.encode("tenants/1/a b.pdf", keepingSlash: true) == "tenants/1/a%20b.pdf")
        #expect(AWSPercentEncoding.encode("AKID/20130524/us-east-1/s3/aws4_request") == "AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request")
    }

    @Test("queries are sorted by encoded name, valueless parameters keep their =")
    func sortedQuery() {
        #expect(AWSPercentEncoding.canonicalQuery([("uploadId", "x/y"), ("partNumber", "2")]) == "partNumber=2&uploadId=x%2Fy")
        #expect(AWSPercentEncoding.canonicalQuery([("uploads", ""), ("prefix", "tenants/1"), ("upload-id-marker", "u"), ("key-marker", "k")])
            == "key-marker=k&prefix=tenants%2F1&upload-id-marker=u&uploads=")
        // Upper case sorts before lower case in byte order, as SigV4 requires.
        #expect(AWSPercentEncoding.canonicalQuery([("response-content-type", "a"), ("X-Amz-Date", "b")]) == "X-Amz-Date=b&response-content-type=a")
    }

    @Test("header values are trimmed and inner spaces folded; names lower-cased and sorted")
    func headerCanonicalisation() {
        let request = CanonicalRequest(
            method: "PUT", encodedPath: "/b/k", query: [("b", "2"), ("a", "1")],
            headers: [("X-Amz-Meta-Note", "  two   spaces  "), ("Host", "h")], payloadHash: "UNSIGNED-PAYLOAD"
        )
        #expect(request.text == "PUT\n/b/k\na=1&b=2\nhost:h\nx-amz-meta-note:two spaces\n\nhost;x-amz-meta-note\nUNSIGNED-PAYLOAD")
    }

    @Test("a download's Content-Disposition carries the UTF-8 file name")
    func contentDisposition() {
        #expect(ContentDisposition.attachment(fileName: "会话 导出.xlsx") == "attachment; filename*=UTF-8''%E4%BC%9A%E8%AF%9D%20%E5%AF%BC%E5%87%BA.xlsx")
        #expect(ContentDisposition.attachment(fileName: "a\"b;c.csv") == "attachment; filename*=UTF-8''a%22b%3Bc.csv")
    }

    @Test("path-style and virtual-hosted addressing")
    func addressing() throws {
        let key = try ObjectKey("tenants/1/a b.csv")
        let path = S3Addressing(try S3Configuration(
            endpoint: try #require(URL(string: "http://127.0.0.1:9000")), bucket: "parley", region: "us-east-1",
            accessKeyID: "AK", secretAccessKey: "S", pathStyle: true
        ))
        #expect(path.hostHeader == "127.0.0.1:9000")
        #expect(path.url(for: key, query: [("uploadId", "u"), ("partNumber", "1")]) == "http://127.0.0.1:9000/parley/tenants/1/a%20b.csv?partNumber=1&uploadId=u")
        #expect(path.url(for: nil, query: [("uploads", "")]) == "http://127.0.0.1:9000/parley?uploads=")
        let virtual = S3Addressing(try S3Configuration(
            endpoint: try #require(URL(string: "https://s3.eu-central-1.amazonaws.com:443")), bucket: "parley", region: "eu-central-1",
            accessKeyID: "AK", secretAccessKey: "S", pathStyle: false
        ))
        #expect(virtual.hostHeader == "parley.s3.eu-central-1.amazonaws.com")
        #expect(virtual.url(for: key) == "https://parley.s3.eu-central-1.amazonaws.com/tenants/1/a%20b.csv")
    }
}
