import Domain
import Foundation
import HTTPTypes
import Store
import Testing

/// `/v1/export-schedules`: admins create, list, change, pause/resume and delete scheduled
/// exports; rules before work, field names in every refusal, nothing written on bad input.
@Suite("Export schedules")
struct ScheduleTests {
    static let monthly = #"""
        {"name":"Monthly backup","frequency":"monthly","dayOfMonth":1,"time":"02:30","format":"xlsx","rows":"both",
         "filter":{"channel":"web","status":"ended"},"includeCustomerInfo":true,"fileName":"{tenant}-{from}-{to}"}
        """#

    static func berlin(_ text: Any?) throws -> DateComponents {
        let string = try #require(text as? String)
        let date = try #require(RFC3339.parse(string))
        return Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Europe/Berlin")!, from: date)
    }

    @Test("create, read, list, change (pause, resume, frequency, format) and delete, each audited")
    func lifecycle() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            _ = try await h.db.superuserRows(
                "UPDATE tenants SET time_zone = 'Europe/Berlin' WHERE id = '\(acme.tenantID.uuidString.lowercased())'")
            let admin = try await h.token("admin", of: acme)
            let created = try await h.send(.post, "/v1/export-schedules", token: admin, json: Self.monthly)
            #expect(created.status == .created, "\(String(decoding: created.body, as: UTF8.self))")
            let id = try #require(created["id"] as? String)
            #expect(created.headers[.location] == "/v1/export-schedules/\(id)")
            #expect(created["name"] as? String == "Monthly backup")
            #expect(created["ownerId"] as? String == acme.users["admin"]!.uuidString.lowercased())
            #expect(created["frequency"] as? String == "monthly")
            #expect(created["dayOfMonth"] as? Int == 1)
            #expect(created["weekday"] == nil)
            #expect(created["time"] as? String == "02:30")
            #expect(created["timeZone"] as? String == "Europe/Berlin")
            #expect(created["window"] as? String == "previous_month")
            #expect(created["filter"] as? [String: String] == ["channel": "web", "status": "ended"])
            #expect(created["format"] as? String == "xlsx")
            #expect(created["rows"] as? String == "both")
            #expect(created["includeAttachments"] as? Bool == true)
            #expect(created["includeCustomerInfo"] as? Bool == true)
            #expect(created["embedImages"] as? Bool == false)
            #expect(created["fileName"] as? String == "{tenant}-{from}-{to}")
            #expect(created["paused"] as? Bool == false)
            #expect(created["lastRunAt"] == nil && created["lastError"] == nil && created["lastExportId"] == nil)
            // The next 1st of a month, 02:30 in Berlin, within a month from now.
            let next = try Self.berlin(created["nextRunAt"])
            #expect(next.day == 1 && next.hour == 2 && next.minute == 30, "\(next)")
            let nextAt = try #require(RFC3339.parse(created["nextRunAt"] as! String))
            #expect(nextAt > Date() && nextAt < Date().addingTimeInterval(32 * 86_400))

            #expect(try await h.send(.get, "/v1/export-schedules/\(id)", token: admin).json as NSDictionary == created.json as NSDictionary)
            #expect(try await h.send(.get, "/v1/export-schedules", token: admin).ids == [id])

            let paused = try await h.send(.patch, "/v1/export-schedules/\(id)", token: admin, json: #"{"paused":true}"#)
            #expect(paused.status == .ok)
            #expect(paused["paused"] as? Bool == true)
            #expect(paused["frequency"] as? String == "monthly" && paused["rows"] as? String == "both")

            // Weekly now: the day of month and the monthly window go; the format change drops `both`.
            let weekly = try await h.send(.patch, "/v1/export-schedules/\(id)", token: admin,
                                          json: #"{"frequency":"weekly","weekday":"friday","time":"18:15","format":"csv"}"#)
            #expect(weekly.status == .ok, "\(String(decoding: weekly.body, as: UTF8.self))")
            #expect(weekly["weekday"] as? String == "friday")
            #expect(weekly["dayOfMonth"] == nil)
            #expect(weekly["window"] as? String == "previous_week")
            #expect(weekly["rows"] as? String == "messages")
            #expect(weekly["filter"] as? [String: String] == ["channel": "web", "status": "ended"])
            #expect(weekly["paused"] as? Bool == true)

            let resumed = try await h.send(.patch, "/v1/export-schedules/\(id)", token: admin,
                                           json: #"{"paused":false,"filter":{"channel":"wechat"},"window":"previous_day"}"#)
            #expect(resumed["paused"] as? Bool == false)
            #expect(resumed["filter"] as? [String: String] == ["channel": "wechat"])
            #expect(resumed["window"] as? String == "previous_day")
            let friday = try Self.berlin(resumed["nextRunAt"])
            #expect(friday.weekday == 6 && friday.hour == 18 && friday.minute == 15, "\(friday)")

            #expect(try await h.send(.delete, "/v1/export-schedules/\(id)", token: admin).status == .noContent)
            expectProblem(try await h.send(.get, "/v1/export-schedules/\(id)", token: admin), .notFound)
            expectProblem(try await h.send(.delete, "/v1/export-schedules/\(id)", token: admin), .notFound)
            #expect(try await h.send(.get, "/v1/export-schedules", token: admin).ids.isEmpty)

            let audit = try await h.db.superuserRows(
                "SELECT action FROM audit_events WHERE target_id = '\(id)' ORDER BY occurred_at, action")
            #expect(try audit.map { try $0.decode(String.self) }
                    == ["export_schedule.created", "export_schedule.changed", "export_schedule.changed", "export_schedule.changed",
                        "export_schedule.deleted"])
        }
    }

    @Test("bad bodies are refused naming the field (400 malformed, 422 against a rule), and nothing is written")
    func badInput() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let badRequest: [(String, String)] = [
                (#"{"time":"09:00","format":"csv"}"#, "frequency"),
                (#"{"frequency":"daily","format":"csv"}"#, "time"),
                (#"{"frequency":"daily","time":"09:00"}"#, "format"),
                (#"{"frequency":"weekly","time":"09:00","format":"csv"}"#, "weekday"),
                (#"{"frequency":"monthly","time":"09:00","format":"csv"}"#, "dayOfMonth"),
                (#"{"frequency":"daily","weekday":"monday","time":"09:00","format":"csv"}"#, "weekday"),
                (#"{"frequency":"weekly","weekday":"monday","dayOfMonth":3,"time":"09:00","format":"csv"}"#, "dayOfMonth"),
                (#"{"frequency":"monthly","dayOfMonth":"first","time":"09:00","format":"csv"}"#, "dayOfMonth"),
                (#"{"frequency":"daily","time":"9:00","format":"csv"}"#, "time"),
                (#"{"frequency":"daily","time":"24:00","format":"csv"}"#, "time"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","filter":{"from":"2026-01-01T00:00:00Z"}}"#, "filter.from"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","filter":{"preset":"7d"}}"#, "filter.preset"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","filter":{"colour":"red"}}"#, "filter.colour"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","filter":{"channel":"pigeon"}}"#, "filter.channel"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","filter":{"channel":7}}"#, "filter.channel"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","rows":"both"}"#, "rows"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","watermark":"secret"}"#, "watermark"),
                (#"{"frequency":"daily","time":"09:00","format":"xlsx","embedImages":true}"#, "embedImages"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","fileName":"{tenant}-{weather}"}"#, "fileName"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","name":null}"#, "name"),
            ]
            for (body, field) in badRequest {
                expectProblem(try await h.send(.post, "/v1/export-schedules", token: admin, json: body), .badRequest, field: field)
            }
            let unprocessable: [(String, String)] = [
                (#"{"frequency":"hourly","time":"09:00","format":"csv"}"#, "frequency"),
                (#"{"frequency":"weekly","weekday":"funday","time":"09:00","format":"csv"}"#, "weekday"),
                (#"{"frequency":"monthly","dayOfMonth":29,"time":"09:00","format":"csv"}"#, "dayOfMonth"),
                (#"{"frequency":"monthly","dayOfMonth":0,"time":"09:00","format":"csv"}"#, "dayOfMonth"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","window":"previous_year"}"#, "window"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","window":"previous_month"}"#, "window"),
                (#"{"frequency":"weekly","weekday":"monday","time":"09:00","format":"csv","window":"previous_month"}"#, "window"),
                (#"{"frequency":"daily","time":"09:00","format":"docx"}"#, "format"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","rows":"lines"}"#, "rows"),
                (#"{"frequency":"daily","time":"09:00","format":"csv","name":"  "}"#, "name"),
                (#"{"frequency":"daily","time":"09:00","format":"pdf","watermark":"\#(String(repeating: "w", count: 101))"}"#, "watermark"),
            ]
            for (body, field) in unprocessable {
                expectProblem(try await h.send(.post, "/v1/export-schedules", token: admin, json: body), .unprocessableContent, field: field)
            }
            expectProblem(try await h.send(.post, "/v1/export-schedules", json: Self.monthly), .unauthorized)
            expectProblem(try await h.send(.get, "/v1/export-schedules?limit=0", token: admin), .badRequest, field: "query.limit")
            expectProblem(try await h.send(.get, "/v1/export-schedules/not-a-uuid", token: admin), .notFound)
            #expect(try await h.count("export_schedules") == 0)

            // A change is checked whole, over the schedule as it is; a refused one changes nothing.
            let created = try await h.send(.post, "/v1/export-schedules", token: admin, json: Self.monthly)
            let id = try #require(created["id"] as? String)
            let patches: [(String, HTTPResponse.Status, String)] = [
                (#"{"dayOfMonth":31}"#, .unprocessableContent, "dayOfMonth"),
                (#"{"frequency":"weekly"}"#, .badRequest, "weekday"),
                (#"{"weekday":"monday"}"#, .badRequest, "weekday"),
                (#"{"format":"pdf","rows":"both"}"#, .badRequest, "rows"),
                (#"{"watermark":"secret"}"#, .badRequest, "watermark"),
                (#"{"filter":{"to":"2026-01-01T00:00:00Z"}}"#, .badRequest, "filter.to"),
                (#"{"time":"noon"}"#, .badRequest, "time"),
                (#"{"paused":null}"#, .badRequest, "paused"),
                (#"{"window":"previous_week","frequency":"daily"}"#, .unprocessableContent, "window"),
            ]
            for (body, status, field) in patches {
                expectProblem(try await h.send(.patch, "/v1/export-schedules/\(id)", token: admin, json: body), status, field: field)
            }
            let after = try await h.send(.get, "/v1/export-schedules/\(id)", token: admin)
            #expect(after.json as NSDictionary == created.json as NSDictionary)
            #expect(try await h.count("export_schedules") == 1)
            #expect(try await h.count("audit_events WHERE action LIKE 'export_schedule.%'") == 1)
        }
    }

    @Test("only admins: other roles get 403 on every route, also with an admin's token after a demotion")
    func adminsOnly() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let created = try await h.send(.post, "/v1/export-schedules", token: admin, json: Self.monthly)
            let id = try #require(created["id"] as? String)
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/v1/export-schedules", Self.monthly), (.get, "/v1/export-schedules", nil),
                (.get, "/v1/export-schedules/\(id)", nil), (.patch, "/v1/export-schedules/\(id)", #"{"paused":true}"#),
                (.delete, "/v1/export-schedules/\(id)", nil),
            ]
            for user in ["agentA", "supervisor", "analyst"] {
                let token = try await h.token(user, of: acme)
                for (method, path, body) in routes {
                    expectProblem(try await h.send(method, path, token: token, json: body), .forbidden)
                }
            }
            // An admin demoted since their token was issued.
            _ = try await h.db.superuserRows(
                "UPDATE users SET role = 'supervisor' WHERE id = '\(acme.users["admin"]!.uuidString.lowercased())'")
            for (method, path, body) in routes {
                expectProblem(try await h.send(method, path, token: admin, json: body), .forbidden)
            }
            #expect(try await h.count("export_schedules") == 1)
            #expect(try await h.count("export_schedules WHERE paused") == 0)
        }
    }

    @Test("another tenant's schedules are not found; a trial plan may not schedule (403) but lists")
    func otherTenantsAndTrial() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let globex = try await h.tenant("globex")
            let acmeAdmin = try await h.token("admin", of: acme)
            let globexAdmin = try await h.token("admin", of: globex)
            let created = try await h.send(.post, "/v1/export-schedules", token: acmeAdmin, json: Self.monthly)
            let id = try #require(created["id"] as? String)
            for (method, path, body) in [(HTTPRequest.Method.get, "/v1/export-schedules/\(id)", nil as String?),
                                         (.patch, "/v1/export-schedules/\(id)", #"{"paused":true}"#),
                                         (.delete, "/v1/export-schedules/\(id)", nil)] {
                expectProblem(try await h.send(method, path, token: globexAdmin, json: body), .notFound)
            }
            #expect(try await h.send(.get, "/v1/export-schedules", token: globexAdmin).ids.isEmpty)
            let still = try await h.send(.get, "/v1/export-schedules/\(id)", token: acmeAdmin)
            #expect(still.status == .ok)
            #expect(still["paused"] as? Bool == false)

            let trial = try await h.tenant("trial", plan: "trial")
            let trialAdmin = try await h.token("admin", of: trial)
            let refused = try await h.send(.post, "/v1/export-schedules", token: trialAdmin, json: Self.monthly)
            expectProblem(refused, .forbidden)
            #expect((refused["detail"] as? String)?.contains("trial") == true)
            let listed = try await h.send(.get, "/v1/export-schedules", token: trialAdmin)
            #expect(listed.status == .ok && listed.ids.isEmpty)
            // A tenant moved to trial keeps its schedules visible and deletable, but may not change them.
            _ = try await h.db.superuserRows("UPDATE tenants SET plan_code = 'trial' WHERE id = '\(acme.tenantID.uuidString.lowercased())'")
            expectProblem(try await h.send(.patch, "/v1/export-schedules/\(id)", token: acmeAdmin, json: #"{"paused":true}"#), .forbidden)
            #expect(try await h.send(.get, "/v1/export-schedules", token: acmeAdmin).ids == [id])
            #expect(try await h.send(.delete, "/v1/export-schedules/\(id)", token: acmeAdmin).status == .noContent)
            #expect(try await h.count("export_schedules") == 0)
        }
    }
}
