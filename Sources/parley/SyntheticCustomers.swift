import Domain
import Foundation

/// A tenant's customers for the benchmark data set: a name, a mobile number, sometimes
/// an e-mail address, and one to three channel identities that ingestion would have
/// merged into one customer by phone number.
struct SyntheticCustomer: Sendable {
    struct Identity: Sendable {
        let channel: Domain.Channel
        let externalID: String
    }

    let id: UUID
    let name: String
    let phone: String
    let email: String?
    let identities: [Identity]
}

enum SyntheticCustomers {
    /// Where customers first reach a tenant; the share of each channel.
    static let channelMix: [(Domain.Channel, Double)] = [
        (.web, 0.30), (.wechat, 0.30), (.app, 0.15), (.miniprogram, 0.12), (.douyin, 0.08), (.email, 0.05),
    ]

    /// Identities are unique per tenant and channel, as ingestion's primary key requires:
    /// with tens of thousands of customers, drawn e-mail addresses and ids do repeat, and a
    /// repeat gets the customer's number appended.
    static func make(count: Int, random: inout SeededRandom, createdAt: Date) -> [SyntheticCustomer] {
        var taken: Set<String> = []
        return (0..<count).map { index in
            let drawn = customer(&random, createdAt: createdAt)
            let identities = drawn.identities.map { identity -> SyntheticCustomer.Identity in
                var externalID = identity.externalID
                if !taken.insert("\(identity.channel.rawValue):\(externalID)").inserted {
                    externalID += "-\(index)"
                    taken.insert("\(identity.channel.rawValue):\(externalID)")
                }
                return SyntheticCustomer.Identity(channel: identity.channel, externalID: externalID)
            }
            return SyntheticCustomer(id: drawn.id, name: drawn.name, phone: drawn.phone, email: drawn.email, identities: identities)
        }
    }

    private static func customer(_ random: inout SeededRandom, createdAt: Date) -> SyntheticCustomer {
        let vocabulary = SyntheticVocabulary.self
        let english = random.chance(0.10)
        let name: String
        if english {
            name = random.pick(vocabulary.englishNames)
        } else {
            let base = random.pick(vocabulary.surnames) + random.pick(vocabulary.givenNames)
            name = random.chance(0.2) ? random.pick(vocabulary.surnames) + random.pick(["先生", "女士", "小姐"]) : base
        }
        let phone = "1\(random.int(in: 3...9))" + random.digits(9)
        var channels = [primaryChannel(&random)]
        // A quarter of customers also write on a second channel, a few on a third.
        for probability in [0.25, 0.2] where random.chance(probability) {
            let extra = primaryChannel(&random)
            if !channels.contains(extra) { channels.append(extra) }
        }
        let email: String? = channels.contains(.email) || (english && random.chance(0.5))
            ? (english ? "\(name.lowercased().replacingOccurrences(of: " ", with: "."))\(random.int(in: 1...9999))@example.com"
                       : "\(random.digits(9))@\(random.pick(["qq.com", "163.com", "126.com", "foxmail.com"]))")
            : nil
        let identities = channels.map { channel in
            SyntheticCustomer.Identity(channel: channel, externalID: externalID(channel, email: email, &random))
        }
        return SyntheticCustomer(id: IDGenerator.uuidV7(at: createdAt), name: name, phone: phone, email: email,
                                 identities: identities)
    }

    private static func primaryChannel(_ random: inout SeededRandom) -> Domain.Channel {
        var roll = random.unit()
        for (channel, share) in channelMix {
            if roll < share { return channel }
            roll -= share
        }
        return .web
    }

    /// Identifiers shaped like each channel's own (visitor ids, WeChat openids, …).
    private static func externalID(_ channel: Domain.Channel, email: String?, _ random: inout SeededRandom) -> String {
        switch channel {
        case .web: return "v_" + hex(16, &random)
        case .wechat: return "o" + hex(27, &random)
        case .douyin: return "dy" + random.digits(16)
        case .app: return "u" + random.digits(10)
        case .miniprogram: return "mp_" + hex(16, &random)
        case .email: return email ?? "\(random.digits(9))@qq.com"
        }
    }

    private static func hex(_ count: Int, _ random: inout SeededRandom) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[random.next(below: 16)] })
    }
}
