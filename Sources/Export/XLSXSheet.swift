import CXLSXWriter
import Foundation

/// One worksheet of an XLSX export: a bold, frozen, filterable header row, then one
/// row per `Row`, written strictly downwards. In constant-memory mode libxlsxwriter
/// keeps only the current row of each sheet and streams earlier ones to that sheet's
/// own temporary file, so two sheets can be fed in turn as long as each goes down.
final class XLSXSheet<Row> {
    let name: String
    private let worksheet: UnsafeMutablePointer<lxw_worksheet>
    private let columns: [ExportColumn<Row>]
    private let dateFormat: UnsafeMutablePointer<lxw_format>
    /// The row the next `write` fills; row 0 is the header.
    private var nextRow: lxw_row_t = 1

    /// Excel's last row is 1,048,576; past it libxlsxwriter would refuse the write.
    private static var rowLimit: lxw_row_t { lxw_row_t(LXW_ROW_MAX) }

    init(workbook: UnsafeMutablePointer<lxw_workbook>, name: String, columns: [ExportColumn<Row>],
         headerFormat: UnsafeMutablePointer<lxw_format>,
         dateFormat: UnsafeMutablePointer<lxw_format>) throws(ExportRenderError) {
        guard let worksheet = name.withCString({ workbook_add_worksheet(workbook, $0) }) else {
            throw ExportRenderError("cannot add the sheet \(name) to the XLSX file")
        }
        self.name = name
        self.worksheet = worksheet
        self.columns = columns
        self.dateFormat = dateFormat
        for (index, column) in columns.enumerated() {
            let col = lxw_col_t(index)
            try check(worksheet_set_column(worksheet, col, col, column.width, nil), "set column widths")
            try check(column.title.withCString { worksheet_write_string(worksheet, 0, col, $0, headerFormat) },
                      "write the header")
        }
        worksheet_freeze_panes(worksheet, 1, 0)
    }

    func write(_ row: Row, clock: inout ExportClock) throws(ExportRenderError) {
        guard nextRow < Self.rowLimit else {
            throw ExportRenderError("the sheet \(name) is full: Excel holds at most \(Self.rowLimit - 1) rows "
                + "under the header; export fewer rows or use CSV")
        }
        for (index, column) in columns.enumerated() {
            let col = lxw_col_t(index)
            switch column.cell(row) {
            case .text(let text):
                try check(XLSXText.fitted(text).withCString { worksheet_write_string(worksheet, nextRow, col, $0, nil) },
                          "write a cell")
            case .integer(let value):
                // Doubles hold integers exactly up to 2^53: far beyond any count, duration or size here.
                try check(worksheet_write_number(worksheet, nextRow, col, Double(value), nil), "write a cell")
            case .time(let date):
                try writeTime(date, col: col, clock: &clock)
            case .empty:
                break
            }
        }
        nextRow += 1
    }

    /// Sets the filter over every written row, so Excel offers each column's values;
    /// it is a sheet-level setting, so setting it last is allowed in constant-memory mode.
    func finish() throws(ExportRenderError) {
        guard !columns.isEmpty else { return }
        try check(worksheet_autofilter(worksheet, 0, 0, nextRow - 1, lxw_col_t(columns.count - 1)),
                  "set the filter")
    }

    /// A real Excel date (a number with a date format) holding the wall-clock time in
    /// the document's zone: Excel dates have no zone, so the workbook's properties name it.
    private func writeTime(_ date: Date, col: lxw_col_t, clock: inout ExportClock) throws(ExportRenderError) {
        let local = clock.local(date)
        // Excel's calendar runs from 1900 to 9999; outside it, keep the instant as text.
        guard (1900...9999).contains(local.year) else {
            try check(local.rfc3339.withCString { worksheet_write_string(worksheet, nextRow, col, $0, nil) },
                      "write a cell")
            return
        }
        var value = lxw_datetime(year: Int32(local.year), month: Int32(local.month), day: Int32(local.day),
                                 hour: Int32(local.hour), min: Int32(local.minute), sec: Double(local.second))
        try check(worksheet_write_datetime(worksheet, nextRow, col, &value, dateFormat), "write a time")
    }

    private func check(_ error: lxw_error, _ action: String) throws(ExportRenderError) {
        try XLSXFailure.check(error, "\(action) in the sheet \(name)")
    }
}
