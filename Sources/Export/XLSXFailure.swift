import CXLSXWriter

/// libxlsxwriter's error numbers as `ExportRenderError`s with its own wording.
enum XLSXFailure {
    static func check(_ error: lxw_error, _ action: String) throws(ExportRenderError) {
        guard error != LXW_NO_ERROR else { return }
        throw ExportRenderError("XLSX: cannot \(action): \(message(error))")
    }

    static func message(_ error: lxw_error) -> String {
        lxw_strerror(error).map { String(cString: $0) } ?? "libxlsxwriter error \(error.rawValue)"
    }
}
