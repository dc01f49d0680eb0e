/// `Content-Disposition` for a download, with the file name in RFC 6266 / 5987 form
/// (`attachment; filename*=UTF-8''...`), so Chinese and other non-ASCII names survive
/// in every current browser. The unreserved set AWS encoding keeps is a subset of
/// RFC 5987's attr-char, so the same encoder serves both.
public enum ContentDisposition {
    public static func attachment(fileName: String) -> String {
        "attachment; filename*=UTF-8''" + AWSPercentEncoding.encode(fileName)
    }
}
