import Domain
import Foundation
import HTTPTypes
import ObjectStorage
import Store
import Testing
import Worker

/// `POST /v1/exports` and the routes around it, with the real worker rendering into the
/// harness's object store: rules before work, scope, files, download, cancel, audit.
@Suite("Exports")
struct ExportTests {
    /// Runs every due job once, as a worker process would.
    static func drain(_ h: APIHarness) async throws {
        var settings = ExportService.Settings()
        settings.images = nil
        settings.retryBase = 0
        let worker = ExportService(database: h.db.database, store: h.objectStore, workerID: "test-worker", settings: settings,
                                   logger: .init(label: "test"))
        while try await worker.runNext() {}
    }

    static func csvRows(_ data: Data) -> [[String]] {
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        // The fixture's texts hold no commas, quotes or line breaks: a plain split is exact here.
        return text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test("an admin's filtered CSV holds what the list shows, is downloadable, notified and audited")
    func adminExportsAFilter() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let listed = try await h.send(.get, "/v1/conversations?channel=web", token: admin)
            let created = try await h.send(.post, "/v1/exports", token: admin, json: #"""
                {"format":"csv","rows":"messages","filter":{"channel":"web"},"fileName":"{tenant}-{format}-导出"}
                """#)
            #expect(created.status == .accepted, "\(String(decoding: created.body, as: UTF8.self))")
            let id = try #require(created["id"] as? String)
            #expect(created.headers[.location] == "/v1/exports/\(id)")
            #expect(created["status"] as? String == "queued")
            #expect(created["rowsTotal"] as? Int == 6)
            #expect(created["fileName"] as? String == "\(acme.slug)-csv-导出.csv")

            try await Self.drain(h)
            let job = try await h.send(.get, "/v1/exports/\(id)", token: admin)
            #expect(job["status"] as? String == "succeeded", "\(job.json)")
            #expect(job["rowsDone"] as? Int == 6)
            #expect(job["downloadUrl"] as? String == "/v1/exports/\(id)/download")

            let file = try await h.send(.get, "/v1/exports/\(id)/download", token: admin)
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(file.headers[.contentDisposition]?.contains("filename*=UTF-8''") == true)
            #expect(file.body.starts(with: [0xEF, 0xBB, 0xBF]), "UTF-8 BOM")
            let rows = Self.csvRows(file.body)
            let body = rows.dropFirst()
            #expect(body.count == 6)
            // Exactly the listed conversations, two messages each.
            let header = try #require(rows.first)
            let conversationColumn = try #require(header.firstIndex { $0.lowercased().contains("conversation") })
            #expect(Set(body.map { $0[conversationColumn].lowercased() }) == Set(listed.ids))
            #expect(body.contains { $0.contains("我要退款") })

            let notifications = try await h.send(.get, "/v1/notifications", token: admin)
            let note = try #require(notifications.items.first)
            #expect(note["kind"] as? String == "export.succeeded")
            #expect(note["link"] as? String == "/v1/exports/\(id)/download")

            let audit = try await h.db.superuserRows(
                "SELECT action FROM audit_events WHERE tenant_id = '\(acme.tenantID.uuidString.lowercased())' AND target_id = '\(id)' ORDER BY occurred_at")
            #expect(try audit.map { try $0.decode(String.self) } == ["export.created", "export.downloaded"])
        }
    }

    @Test("an agent's export holds only conversations they took part in")
    func agentScope() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let agent = try await h.token("agentA", of: acme)
            let created = try await h.send(.post, "/v1/exports", token: agent, json: #"{"format":"csv","rows":"conversations","filter":{}}"#)
            #expect(created.status == .accepted)
            #expect(created["rowsTotal"] as? Int == 1)
            let id = try #require(created["id"] as? String)
            try await Self.drain(h)
            let file = try await h.send(.get, "/v1/exports/\(id)/download", token: agent)
            let rows = Self.csvRows(file.body).dropFirst()
            #expect(rows.count == 1)
            #expect(rows.first?.contains { $0.lowercased() == acme.conversations["afterSales"]!.uuidString.lowercased() } == true)

            // A conversation they did not serve is not theirs to name.
            let other = try await h.send(.post, "/v1/exports", token: agent,
                                         json: #"{"format":"txt","conversationId":"\#(acme.conversations["sales"]!)"}"#)
            expectProblem(other, .notFound)
            // Nor another user's export.
            let admin = try await h.token("admin", of: acme)
            let adminJob = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"txt","filter":{}}"#)
            let adminID = try #require(adminJob["id"] as? String)
            expectProblem(try await h.send(.get, "/v1/exports/\(adminID)", token: agent), .notFound)
            expectProblem(try await h.send(.delete, "/v1/exports/\(adminID)", token: agent), .notFound)
            expectProblem(try await h.send(.get, "/v1/exports/\(adminID)/download", token: agent), .notFound)
            // The agent lists their own; the admin lists everyone's.
            #expect(try await h.send(.get, "/v1/exports", token: agent).ids == [id])
            #expect(Set(try await h.send(.get, "/v1/exports", token: admin).ids) == [id, adminID])
            #expect(try await h.send(.get, "/v1/exports?requestedBy=\(acme.users["admin"]!)", token: admin).ids == [adminID])
        }
    }

    @Test("a trial plan may not export; over the cap is refused with the count and the cap; nothing is queued")
    func planRules() async throws {
        try await APIHarness.with { h in
            let trial = try await h.tenant("trial", plan: "trial")
            let trialAdmin = try await h.token("admin", of: trial)
            let refused = try await h.send(.post, "/v1/exports", token: trialAdmin, json: #"{"format":"csv","filter":{}}"#)
            expectProblem(refused, .forbidden)
            #expect((refused["detail"] as? String)?.contains("trial") == true)

            let capped = try await h.tenant("capped")
            let plan = "cap3_" + capped.slug.replacingOccurrences(of: "-", with: "_").prefix(25)
            _ = try await h.db.superuserRows("""
                INSERT INTO plans (code, name, history_visible_days, export_enabled, export_row_cap, custom_retention_allowed)
                VALUES ('\(plan)', 'Cap of 3', NULL, true, 3, false)
                """)
            _ = try await h.db.superuserRows("UPDATE tenants SET plan_code = '\(plan)' WHERE id = '\(capped.tenantID.uuidString.lowercased())'")
            let admin = try await h.token("admin", of: capped)
            let over = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"csv","filter":{}}"#)
            expectProblem(over, .unprocessableContent, field: "filter")
            let detail = try #require(over["detail"] as? String)
            #expect(detail.contains("6") && detail.contains("3"), "\(detail)")
            // Conversation rows: three, within the cap.
            let within = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"csv","rows":"conversations","filter":{}}"#)
            #expect(within.status == .accepted)
            #expect(try await h.count("export_jobs") == 1)
        }
    }

    @Test("bad bodies are refused naming the field, and nothing is queued")
    func badInput() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let id = acme.conversations["afterSales"]!
            // Values outside a body's rules (an unknown word, a text too long) are 422, as
            // elsewhere in the API; a body that does not say what it must is 400.
            let unprocessable: [(String, String)] = [
                (#"{"format":"docx","filter":{}}"#, "format"),
                (#"{"format":"csv","rows":"lines","filter":{}}"#, "rows"),
                (#"{"format":"pdf","filter":{},"watermark":"\#(String(repeating: "w", count: 101))"}"#, "watermark"),
            ]
            for (body, field) in unprocessable {
                expectProblem(try await h.send(.post, "/v1/exports", token: admin, json: body), .unprocessableContent, field: field)
            }
            let cases: [(String, String)] = [
                (#"{"filter":{}}"#, "format"),
                (#"{"format":"csv"}"#, "conversationId"),
                (#"{"format":"csv","conversationId":"\#(id)","filter":{}}"#, "conversationId"),
                (#"{"format":"csv","conversationIds":[]}"#, "conversationIds"),
                (#"{"format":"csv","conversationId":"not-a-uuid"}"#, "conversationId"),
                (#"{"format":"csv","rows":"both","filter":{}}"#, "rows"),
                (#"{"format":"csv","filter":{"colour":"red"}}"#, "filter.colour"),
                (#"{"format":"csv","filter":{"from":"yesterday"}}"#, "filter.from"),
                (#"{"format":"csv","filter":{"channel":"pigeon"}}"#, "filter.channel"),
                (#"{"format":"csv","filter":{"from":"2026-02-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}}"#, "filter.to"),
                (#"{"format":"csv","filter":{"channel":7}}"#, "filter.channel"),
                (#"{"format":"csv","filter":{},"watermark":"secret"}"#, "watermark"),
                (#"{"format":"xlsx","filter":{},"embedImages":true}"#, "embedImages"),
                (#"{"format":"csv","filter":{},"fileName":"{tenant}-{weather}"}"#, "fileName"),
                (#"{"format":"csv","filter":{},"fileName":"{tenant"}"#, "fileName"),
                (#"{"format":"csv","filter":{},"fileName":"///"}"#, "fileName"),
            ]
            for (body, field) in cases {
                expectProblem(try await h.send(.post, "/v1/exports", token: admin, json: body), .badRequest, field: field)
            }
            expectProblem(try await h.send(.post, "/v1/exports", json: #"{"format":"csv","filter":{}}"#), .unauthorized)
            expectProblem(try await h.send(.get, "/v1/exports/not-a-uuid", token: admin), .notFound)
            expectProblem(try await h.send(.get, "/v1/exports?limit=0", token: admin), .badRequest, field: "query.limit")
            expectProblem(try await h.send(.get, "/v1/exports?requestedBy=x", token: admin), .badRequest, field: "query.requestedBy")
            #expect(try await h.count("export_jobs") == 0)
            #expect(try await h.count("notifications") == 0)
        }
    }

    @Test("another tenant's conversations and exports are not found on any route")
    func otherTenants() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let globex = try await h.tenant("globex")
            let acmeAdmin = try await h.token("admin", of: acme)
            let globexAdmin = try await h.token("admin", of: globex)
            let created = try await h.send(.post, "/v1/exports", token: acmeAdmin, json: #"{"format":"csv","filter":{}}"#)
            let id = try #require(created["id"] as? String)
            try await Self.drain(h)
            for (method, path) in [(HTTPRequest.Method.get, "/v1/exports/\(id)"), (.delete, "/v1/exports/\(id)"),
                                   (.get, "/v1/exports/\(id)/download")] {
                expectProblem(try await h.send(method, path, token: globexAdmin), .notFound)
            }
            #expect(try await h.send(.get, "/v1/exports", token: globexAdmin).ids.isEmpty)
            let theirs = try await h.send(.post, "/v1/exports", token: globexAdmin,
                                          json: #"{"format":"csv","conversationIds":["\#(acme.conversations["sales"]!)"]}"#)
            expectProblem(theirs, .notFound)
            // Still there for its owner.
            #expect(try await h.send(.get, "/v1/exports/\(id)/download", token: acmeAdmin).status == .ok)
        }
    }

    @Test("cancelling a queued job stops it; deleting a finished one removes its file (410 after)")
    func cancelAndDelete() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let queued = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"csv","filter":{}}"#)
            let queuedID = try #require(queued["id"] as? String)
            let cancelled = try await h.send(.delete, "/v1/exports/\(queuedID)", token: admin)
            #expect(cancelled["status"] as? String == "cancelled")
            try await Self.drain(h)
            #expect(try await h.send(.get, "/v1/exports/\(queuedID)", token: admin)["status"] as? String == "cancelled")
            expectProblem(try await h.send(.get, "/v1/exports/\(queuedID)/download", token: admin), .conflict)

            let done = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"txt","filter":{}}"#)
            let doneID = try #require(done["id"] as? String)
            try await Self.drain(h)
            let key = ExportJobRecord.objectKey(tenantID: acme.tenantID, jobID: UUID(uuidString: doneID)!, format: .txt)
            #expect(try await h.objectStore.exists(key: key))
            let deleted = try await h.send(.delete, "/v1/exports/\(doneID)", token: admin)
            #expect(deleted["status"] as? String == "succeeded")
            #expect(deleted["fileDeletedAt"] is String)
            #expect(deleted["downloadUrl"] == nil)
            #expect(try await !h.objectStore.exists(key: key))
            expectProblem(try await h.send(.get, "/v1/exports/\(doneID)/download", token: admin), .gone)
        }
    }

    @Test("xlsx, pdf and txt render for one conversation; the PDF carries the default watermark")
    func everyFormat() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let id = acme.conversations["afterSales"]!
            var ids: [String: String] = [:]
            for (format, rows) in [("xlsx", "both"), ("pdf", "messages"), ("txt", "messages")] {
                let reply = try await h.send(.post, "/v1/exports", token: admin,
                                             json: #"{"format":"\#(format)","rows":"\#(rows)","conversationId":"\#(id)","includeCustomerInfo":true}"#)
                #expect(reply.status == .accepted, "\(format): \(String(decoding: reply.body, as: UTF8.self))")
                ids[format] = reply["id"] as? String
                if format == "pdf" { #expect((reply["watermark"] as? String)?.hasPrefix("Admin · ") == true) }
            }
            try await Self.drain(h)
            for (format, exportID) in ids {
                let job = try await h.send(.get, "/v1/exports/\(exportID)", token: admin)
                #expect(job["status"] as? String == "succeeded", "\(format): \(job.json)")
                let file = try await h.send(.get, "/v1/exports/\(exportID)/download", token: admin)
                #expect(file.status == .ok)
                #expect(!file.body.isEmpty)
                switch format {
                case "xlsx": #expect(file.body.starts(with: [0x50, 0x4B]), "a zip")
                case "pdf": #expect(file.body.starts(with: Data("%PDF".utf8)))
                default: #expect(String(decoding: file.body, as: UTF8.self).contains("我要退款"))
                }
            }
        }
    }

    /// The moto server `scripts/test` starts (signatures checked), with `secret` for the key.
    static func s3Store(secret: String? = nil) throws -> S3ObjectStore {
        let env = ProcessInfo.processInfo.environment
        guard let endpoint = env["PARLEY_TEST_S3_ENDPOINT"].flatMap(URL.init(string:)), let bucket = env["PARLEY_TEST_S3_BUCKET"],
              let key = env["PARLEY_TEST_S3_ACCESS_KEY_ID"], let realSecret = env["PARLEY_TEST_S3_SECRET_ACCESS_KEY"] else {
            throw S3Unset()
        }
        return S3ObjectStore(configuration: try S3Configuration(
            endpoint: endpoint, bucket: bucket, region: env["PARLEY_TEST_S3_REGION"] ?? "us-east-1", accessKeyID: key,
            secretAccessKey: secret ?? realSecret, pathStyle: true, maxAttempts: 1))
    }

    struct S3Unset: Error, CustomStringConvertible {
        var description: String { "PARLEY_TEST_S3_* are not set: run the tests through scripts/test (it starts moto)" }
    }

    @Test("with S3 storage the download redirects to a short-lived signed URL that serves the file")
    func s3Download() async throws {
        try await APIHarness.with(objectStore: try Self.s3Store()) { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let created = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"xlsx","rows":"both","filter":{}}"#)
            let id = try #require(created["id"] as? String)
            try await Self.drain(h)
            #expect(try await h.send(.get, "/v1/exports/\(id)", token: admin)["status"] as? String == "succeeded")
            let redirect = try await h.send(.get, "/v1/exports/\(id)/download", token: admin)
            #expect(redirect.status == .found)
            let location = try #require(redirect.headers[.location])
            #expect(location.contains("X-Amz-Expires=300") && location.contains("X-Amz-Signature="))
            #expect(location.hasPrefix(ProcessInfo.processInfo.environment["PARLEY_TEST_S3_ENDPOINT"] ?? "-"))
            #expect(location.contains("response-content-disposition=attachment"))
            // moto with signature checking on cannot serve query-signed requests at all (it
            // fails looking for an Authorization header: HTTP 500), so the signature itself is
            // proven against AWS's published SigV4 vectors (ObjectStorageTests); here, that the
            // file under the job's key is the export, byte for byte.
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("parley-s3-copy-\(id)")
            defer { try? FileManager.default.removeItem(at: copy) }
            try await h.objectStore.get(key: ExportJobRecord.objectKey(tenantID: acme.tenantID, jobID: UUID(uuidString: id)!, format: .xlsx), to: copy)
            let body = try Data(contentsOf: copy)
            #expect(body.starts(with: [0x50, 0x4B]), "an xlsx (zip) file")
            #expect(try await h.send(.get, "/v1/exports/\(id)", token: admin)["bytes"] as? Int == body.count)
        }
    }

    @Test("storage that refuses our signature fails the job with a reason and notifies the requester once")
    func s3WrongSecret() async throws {
        try await APIHarness.with(objectStore: try Self.s3Store(secret: "not-the-secret")) { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let created = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"csv","filter":{}}"#)
            let id = try #require(created["id"] as? String)
            try await Self.drain(h)
            let job = try await h.send(.get, "/v1/exports/\(id)", token: admin)
            #expect(job["status"] as? String == "failed", "\(job.json)")
            #expect(job["error"] as? String == "object storage refused the file")
            let notes = try await h.send(.get, "/v1/notifications", token: admin)
            #expect(notes.items.map { $0["kind"] as? String } == ["export.failed"])
            expectProblem(try await h.send(.get, "/v1/exports/\(id)/download", token: admin), .conflict)
        }
    }
}
