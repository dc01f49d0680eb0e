import API
import Foundation
import ObjectStorage
import Testing
import TestSupport
import Yams

@Suite("OpenAPI contract")
struct ContractTests {
    @Test("every route the server serves is in openapi.yaml, and every documented route is served")
    func routesMatchSpec() async throws {
        let specURL = TestDatabase.sqlDirectory.deletingLastPathComponent().appendingPathComponent("openapi/openapi.yaml")
        let spec = try #require(try Yams.load(yaml: String(contentsOf: specURL, encoding: .utf8)) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys
            where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        try await TestDatabase.with { db in
            let api = ParleyAPI(configuration: .init(jwtSecret: Array(repeating: 1, count: 32), operatorToken: String(repeating: "x", count: 32)),
                                database: db.database, passwords: PasswordHasher(cost: 4),
                                objectStore: try FileObjectStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("parley-contract")))
            let served = Set(api.buildRouter().routes)
            #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        }
    }
}
