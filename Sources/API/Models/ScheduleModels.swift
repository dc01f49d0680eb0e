import Domain
import Foundation
import Store

/// `POST /v1/export-schedules`: when it runs, what each run exports and how.
struct CreateScheduleRequest: Decodable, Sendable {
    var name: String?
    var frequency: String
    /// Weekly only: `monday` … `sunday`.
    var weekday: String?
    /// Monthly only: 1–28.
    var dayOfMonth: Int?
    /// `HH:MM` in the tenant's zone.
    var time: String
    /// `previous_day`, `previous_week`, `previous_month`; by default the frequency's own.
    var window: String?
    /// The parameters of `GET /v1/conversations` but the time ones (the window sets the time).
    var filter: [String: String]?
    var format: String
    var rows: String?
    var includeAttachments: Bool?
    var includeCustomerInfo: Bool?
    var embedImages: Bool?
    /// PDF only. Absent: "owner name · time"; empty: none; otherwise this text.
    var watermark: String?
    var fileName: String?
    var paused: Bool?

    static let filterNames = CreateExportRequest.filterNames.subtracting(timeFilterNames)
    /// What the window decides; refused in a schedule's filter.
    static let timeFilterNames: Set<String> = ["preset", "from", "to"]
}

/// `PATCH /v1/export-schedules/{scheduleId}`: any member of the create body; what is left out
/// stays. `filter` replaces the whole filter. `watermark: null` returns to the default.
struct UpdateScheduleRequest: Decodable, Sendable {
    var name: String?
    var frequency: String?
    var weekday: String?
    var dayOfMonth: Int?
    var time: String?
    var window: String?
    var filter: [String: String]?
    var format: String?
    var rows: String?
    var includeAttachments: Bool?
    var includeCustomerInfo: Bool?
    var embedImages: Bool?
    var watermark: String??
    var fileName: String?
    var paused: Bool?

    enum CodingKeys: String, CodingKey {
        case name, frequency, weekday, dayOfMonth, time, window, filter, format, rows, includeAttachments, includeCustomerInfo,
             embedImages, watermark, fileName, paused
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        frequency = try container.decodeIfPresent(String.self, forKey: .frequency)
        weekday = try container.decodeIfPresent(String.self, forKey: .weekday)
        dayOfMonth = try container.decodeIfPresent(Int.self, forKey: .dayOfMonth)
        time = try container.decodeIfPresent(String.self, forKey: .time)
        window = try container.decodeIfPresent(String.self, forKey: .window)
        filter = try container.decodeIfPresent([String: String].self, forKey: .filter)
        format = try container.decodeIfPresent(String.self, forKey: .format)
        rows = try container.decodeIfPresent(String.self, forKey: .rows)
        includeAttachments = try container.decodeIfPresent(Bool.self, forKey: .includeAttachments)
        includeCustomerInfo = try container.decodeIfPresent(Bool.self, forKey: .includeCustomerInfo)
        embedImages = try container.decodeIfPresent(Bool.self, forKey: .embedImages)
        if container.contains(.watermark) {
            watermark = .some(try container.decodeIfPresent(String.self, forKey: .watermark))
        }
        fileName = try container.decodeIfPresent(String.self, forKey: .fileName)
        paused = try container.decodeIfPresent(Bool.self, forKey: .paused)
    }

    /// The whole schedule as a create body would say it: this change over `current`. A value
    /// that only fits what the change replaces goes with it unless the change gives it again:
    /// the weekday or day of month when the frequency changes (and the window, which becomes
    /// the new frequency's own), `rows: both` when the format is no longer xlsx, images and
    /// the watermark when it is no longer PDF.
    func applied(to current: ExportScheduleSettings) -> CreateScheduleRequest {
        let frequencyChanged = frequency.map { $0 != current.period.frequency.rawValue } ?? false
        let newFormat = format ?? current.format.rawValue
        var currentWeekday: String?, currentDay: Int?
        switch current.period.recurrence {
        case .daily: break
        case .weekly(let day): currentWeekday = day.rawValue
        case .monthly(let day): currentDay = day
        }
        let keptRows = current.rowKind == .both && newFormat != ExportFormat.xlsx.rawValue ? nil : current.rowKind.rawValue
        let isPDF = newFormat == ExportFormat.pdf.rawValue
        return CreateScheduleRequest(
            name: name ?? current.name,
            frequency: frequency ?? current.period.frequency.rawValue,
            weekday: weekday ?? (frequencyChanged ? nil : currentWeekday),
            dayOfMonth: dayOfMonth ?? (frequencyChanged ? nil : currentDay),
            time: time ?? current.period.time.text,
            window: window ?? (frequencyChanged ? nil : current.window.rawValue),
            filter: filter ?? current.filter,
            format: newFormat,
            rows: rows ?? keptRows,
            includeAttachments: includeAttachments ?? current.includeAttachments,
            includeCustomerInfo: includeCustomerInfo ?? current.includeCustomerInfo,
            embedImages: embedImages ?? (isPDF ? current.embedImages : nil),
            watermark: watermark ?? (isPDF ? current.watermark : nil),
            fileName: fileName ?? current.fileNamePattern,
            paused: paused ?? current.paused)
    }
}

extension UpdateScheduleRequest: NullableMembers {
    /// `null` returns the watermark to the default.
    static let nullableMembers: Set<String> = ["watermark"]
}

struct ScheduleBody: Encodable {
    let id: UUID
    let name: String
    let ownerId: UUID
    let frequency: String
    let weekday: String?
    let dayOfMonth: Int?
    let time: String
    /// The tenant's zone, which `time` and the window are in.
    let timeZone: String
    let window: String
    let filter: [String: String]
    let format: String
    let rows: String
    let includeAttachments: Bool
    let includeCustomerInfo: Bool
    let embedImages: Bool
    let watermark: String?
    let fileName: String
    let paused: Bool
    let nextRunAt: Date
    let lastRunAt: Date?
    let lastExportId: UUID?
    let lastError: String?
    let createdAt: Date
    let updatedAt: Date

    init(_ schedule: ExportScheduleRecord, timeZone: TimeZone) {
        let settings = schedule.settings
        id = schedule.id
        name = settings.name
        ownerId = schedule.ownerID
        frequency = settings.period.frequency.rawValue
        switch settings.period.recurrence {
        case .daily: (weekday, dayOfMonth) = (nil, nil)
        case .weekly(let day): (weekday, dayOfMonth) = (day.rawValue, nil)
        case .monthly(let day): (weekday, dayOfMonth) = (nil, day)
        }
        time = settings.period.time.text
        self.timeZone = timeZone.identifier
        window = settings.window.rawValue
        filter = settings.filter
        format = settings.format.rawValue
        rows = settings.rowKind.rawValue
        includeAttachments = settings.includeAttachments
        includeCustomerInfo = settings.includeCustomerInfo
        embedImages = settings.embedImages
        watermark = settings.watermark
        fileName = settings.fileNamePattern
        paused = settings.paused
        nextRunAt = schedule.nextRunAt
        lastRunAt = schedule.lastRunAt
        lastExportId = schedule.lastJobID
        lastError = schedule.lastError
        createdAt = schedule.createdAt
        updatedAt = schedule.updatedAt
    }
}
