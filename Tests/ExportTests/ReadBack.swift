import Foundation

/// Export files read back by independent readers (python3's `csv` module and
/// openpyxl), so the tests check what another program sees, not what our writer meant.
enum ReadBack {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct CSVFile: Decodable {
        /// Whether the file starts with the UTF-8 byte-order mark.
        let bom: Bool
        /// Records as `csv.reader` (utf-8-sig) parses them.
        let rows: [[String]]
        /// Record ends (outside quotes) that are CRLF, and those that are not.
        let crlfEnds: Int
        let otherEnds: Int
    }

    static func csv(_ url: URL) throws -> CSVFile {
        try JSONDecoder().decode(CSVFile.self, from: python(csvScript, [url.path]))
    }

    private static let csvScript = #"""
import csv, json, sys
path = sys.argv[1]
raw = open(path, 'rb').read()
with open(path, encoding='utf-8-sig', newline='') as f:
    rows = list(csv.reader(f))
# Record ends are the line breaks outside quoted fields.
crlf = other = 0
quoted = False
i = 0
while i < len(raw):
    b = raw[i]
    if b == 0x22:
        quoted = not quoted
    elif not quoted and b in (0x0D, 0x0A):
        if b == 0x0D and raw[i + 1:i + 2] == b'\n':
            crlf += 1
            i += 1
        else:
            other += 1
    i += 1
json.dump({"bom": raw.startswith(b'\xef\xbb\xbf'), "rows": rows, "crlfEnds": crlf, "otherEnds": other},
          sys.stdout, ensure_ascii=False)
"""#

    struct Workbook: Decodable {
        let sheets: [Sheet]
        let title: String?
        let creator: String?
        let description: String?

        func sheet(_ title: String) throws -> Sheet {
            guard let sheet = sheets.first(where: { $0.title == title }) else {
                throw Failure(description: "no sheet \(title) among \(sheets.map(\.title))")
            }
            return sheet
        }
    }

    struct Sheet: Decodable {
        let title: String
        /// openpyxl's `freeze_panes`: `A2` when the first row is frozen.
        let freeze: String?
        /// The autofilter range, e.g. `A1:L7`.
        let filter: String?
        let headerBold: Bool
        /// Column letter → width, for columns given one.
        let widths: [String: Double]
        /// Every row, padded by openpyxl to the widest row.
        let rows: [[Cell]]
    }

    enum Cell: Decodable, Equatable, CustomStringConvertible {
        case text(String)
        case number(Double)
        /// A real date cell: naive ISO 8601 as openpyxl gives it, and its number format.
        case date(String, format: String)
        case empty

        private enum Keys: String, CodingKey { case t, v, format }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            switch try c.decode(String.self, forKey: .t) {
            case "text": self = .text(try c.decode(String.self, forKey: .v))
            case "number": self = .number(try c.decode(Double.self, forKey: .v))
            case "date": self = .date(try c.decode(String.self, forKey: .v), format: try c.decode(String.self, forKey: .format))
            default: self = .empty
            }
        }

        var description: String {
            switch self {
            case .text(let text): "text(\(text.debugDescription))"
            case .number(let number): "number(\(number))"
            case .date(let date, let format): "date(\(date), \(format))"
            case .empty: "empty"
            }
        }
    }

    static func xlsx(_ url: URL) throws -> Workbook {
        try JSONDecoder().decode(Workbook.self, from: python(xlsxScript, [url.path]))
    }

    private static let xlsxScript = #"""
import datetime, json, sys
try:
    import openpyxl
except ImportError as error:
    sys.stderr.write("python3 cannot import openpyxl (%s): install it with `pip install openpyxl`\n" % error)
    sys.exit(3)
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape
book = openpyxl.load_workbook(sys.argv[1])
sheets = []
for ws in book.worksheets:
    rows = []
    for row in ws.iter_rows():
        cells = []
        for cell in row:
            value = cell.value
            if value is None:
                cells.append({"t": "empty"})
            elif isinstance(value, datetime.datetime):
                cells.append({"t": "date", "v": value.isoformat(), "format": cell.number_format})
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append({"t": "number", "v": value})
            else:
                # _xHHHH_ is how OOXML writes a control character; Excel shows the character.
                cells.append({"t": "text", "v": unescape(str(value))})
        rows.append(cells)
    header = list(ws.iter_rows(min_row=1, max_row=1))
    bold = bool(header) and all(cell.font is not None and cell.font.b for cell in header[0])
    widths = {}
    for key, dimension in ws.column_dimensions.items():
        if dimension.width:
            for index in range(dimension.min or 0, (dimension.max or 0) + 1):
                if index > 0:
                    widths[get_column_letter(index)] = dimension.width
    sheets.append({"title": ws.title, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
                   "headerBold": bold, "widths": widths, "rows": rows})
props = book.properties
json.dump({"sheets": sheets, "title": props.title, "creator": props.creator, "description": props.description},
          sys.stdout, ensure_ascii=False)
"""#

    /// Runs `python3 -c script arguments…` and returns its standard output; fails with
    /// its standard error (which names a missing openpyxl) when it exits non-zero.
    private static func python(_ script: String, _ arguments: [String]) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("readback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("out")
        let errURL = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        // Files rather than pipes: a reader's output can exceed a pipe's buffer.
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot run python3 (the read-back tests need python3 with openpyxl): \(error)")
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        let output = try Data(contentsOf: outURL)
        guard process.terminationStatus == 0 else {
            let message = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
            throw Failure(description: "python3 read-back failed (status \(process.terminationStatus)): \(message)")
        }
        return output
    }
}
