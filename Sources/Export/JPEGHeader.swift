import Foundation

/// The size of a JPEG, read from its start-of-frame segment.
///
/// cairo cannot decode JPEG, but its PDF surface embeds JPEG bytes as they are (DCTDecode)
/// when they are attached to a surface of the same size; this finds that size. It walks the
/// marker segments by their lengths and never reads past the end.
struct JPEGHeader: Equatable {
    var width: Int
    var height: Int
    var components: Int
    var progressive: Bool

    init?(_ data: Data) {
        let bytes = [UInt8](data.prefix(1 << 20)) // the frame header sits in the first segments
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var i = 2
        while i + 1 < bytes.count {
            guard bytes[i] == 0xFF else { return nil }
            let marker = bytes[i + 1]
            i += 2
            switch marker {
            case 0xFF:
                i -= 1 // fill byte: the next 0xFF starts the marker
                continue
            case 0x01, 0xD0...0xD7:
                continue // stand-alone markers carry no length
            case 0xD9, 0xDA:
                return nil // end of image or start of scan before any frame header
            default:
                break
            }
            guard i + 1 < bytes.count else { return nil }
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard length >= 2, i + length <= bytes.count else { return nil }
            // SOF0 baseline, SOF1 extended sequential, SOF2 progressive: the Huffman-coded kinds
            // PDF readers decode. Lossless and arithmetic-coded frames are refused.
            if marker == 0xC0 || marker == 0xC1 || marker == 0xC2 {
                guard length >= 8 else { return nil }
                let height = Int(bytes[i + 3]) << 8 | Int(bytes[i + 4])
                let width = Int(bytes[i + 5]) << 8 | Int(bytes[i + 6])
                let components = Int(bytes[i + 7])
                guard width > 0, height > 0, [1, 3, 4].contains(components) else { return nil }
                self.init(width: width, height: height, components: components, progressive: marker == 0xC2)
                return
            }
            if (0xC3...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
                return nil
            }
            i += length
        }
        return nil
    }

    init(width: Int, height: Int, components: Int, progressive: Bool) {
        self.width = width
        self.height = height
        self.components = components
        self.progressive = progressive
    }
}
