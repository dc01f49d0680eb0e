import Foundation
import ObjectStorage
import Worker

/// Where export files go and how the worker fetches images, from `PARLEY_OBJECT_STORE`
/// and `PARLEY_S3_*` / `PARLEY_EXPORT_*` (see README.md).
enum StorageSettings {
    case file(URL)
    case s3(S3Configuration)

    /// `file:///absolute/folder` (the default, `file://.parley/exports` relative to the
    /// working directory, for one machine), or `s3` with the `PARLEY_S3_*` variables.
    static func parse(_ value: (String) -> String?, problems: inout [String]) -> StorageSettings {
        let fallback = StorageSettings.file(URL(fileURLWithPath: ".parley/exports"))
        let text = value("PARLEY_OBJECT_STORE") ?? "file://.parley/exports"
        if text.hasPrefix("file://") {
            let path = String(text.dropFirst("file://".count))
            guard !path.isEmpty else {
                problems.append("PARLEY_OBJECT_STORE file:// needs a folder, e.g. file:///var/lib/parley/exports")
                return fallback
            }
            return .file(URL(fileURLWithPath: path))
        }
        guard text == "s3" else {
            problems.append("PARLEY_OBJECT_STORE must be file://FOLDER or s3, got '\(text)'")
            return fallback
        }
        var missing: [String] = []
        func required(_ name: String) -> String {
            guard let text = value(name) else { missing.append(name); return "" }
            return text
        }
        let endpoint = required("PARLEY_S3_ENDPOINT")
        let bucket = required("PARLEY_S3_BUCKET")
        let key = required("PARLEY_S3_ACCESS_KEY_ID")
        let secret = required("PARLEY_S3_SECRET_ACCESS_KEY")
        guard missing.isEmpty else {
            problems.append("PARLEY_OBJECT_STORE=s3 needs \(missing.joined(separator: ", "))")
            return fallback
        }
        let pathStyle: Bool
        switch value("PARLEY_S3_PATH_STYLE") {
        case nil, "true": pathStyle = true
        case "false": pathStyle = false
        case let other?:
            problems.append("PARLEY_S3_PATH_STYLE must be true or false, got '\(other)'")
            pathStyle = true
        }
        guard let url = URL(string: endpoint) else {
            problems.append("PARLEY_S3_ENDPOINT is not a URL: '\(endpoint)'")
            return fallback
        }
        do {
            return .s3(try S3Configuration(endpoint: url, bucket: bucket, region: value("PARLEY_S3_REGION") ?? "us-east-1",
                                           accessKeyID: key, secretAccessKey: secret, pathStyle: pathStyle))
        } catch {
            problems.append("PARLEY_S3_*: \(error)")
            return fallback
        }
    }

    func makeStore() throws -> any ObjectStore {
        switch self {
        case .file(let folder): try FileObjectStore(root: folder)
        case .s3(let configuration): try S3ObjectStore(configuration: configuration)
        }
    }
}
