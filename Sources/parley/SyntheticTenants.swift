import Domain
import Foundation

/// The tenants of the benchmark data set: how many messages each gets and how each is
/// organised. Real platforms are skewed (a few large companies, a long tail of small
/// ones), and that skew is what makes per-tenant search costs differ, so sizes follow
/// a Zipf law whose exponent is solved so the biggest tenant holds ~10% of all messages.
enum SyntheticTenants {
    struct Plan: Sendable {
        /// 1-based; `bench-0001` is the biggest tenant.
        let number: Int
        let slug: String
        let name: String
        /// What the bot and agents call the shop.
        let brand: String
        let messages: Int
        let agents: Int
        let departments: [Department]

        var emailDomain: String { "\(slug).test" }
        var adminEmail: String { "admin@\(emailDomain)" }
        var supervisorEmail: String { "supervisor@\(emailDomain)" }
        func agentEmail(_ number: Int) -> String { "agent\(number)@\(emailDomain)" }

        /// The department agent `number` (1-based) works in: after-sales gets the most
        /// agents, and agent1 is always there (the benchmark's agent).
        func department(ofAgent number: Int) -> Department {
            let pattern = Self.agentPattern.filter(departments.contains)
            return pattern[(number - 1) % pattern.count]
        }

        private static let agentPattern: [Department] = [.afterSales, .techSupport, .presales, .afterSales, .logistics,
                                                         .membership, .afterSales, .techSupport, .presales]
    }

    /// Departments a tenant may have; the supervisor runs after-sales, which contains tech support.
    enum Department: CaseIterable, Sendable, Hashable {
        case afterSales, techSupport, presales, logistics, membership

        var name: String {
            switch self {
            case .afterSales: return "售后服务"
            case .techSupport: return "技术支持"
            case .presales: return "售前咨询"
            case .logistics: return "物流专线"
            case .membership: return "会员中心"
            }
        }

        var parent: Department? { self == .techSupport ? .afterSales : nil }
    }

    /// Where a conversation about `scenario` is routed, among the tenant's departments.
    static func department(for scenario: SyntheticCorpus.Scenario, in departments: [Department]) -> Department {
        let wanted: Department
        switch scenario {
        case .refund, .exchange, .complaint, .priceProtection, .missingParts, .cancel, .invoice: wanted = .afterSales
        case .repair, .account, .installation: wanted = .techSupport
        case .presales, .coupon: wanted = .presales
        case .shipping, .urge, .address: wanted = .logistics
        case .membership: wanted = .membership
        }
        if departments.contains(wanted) { return wanted }
        return wanted == .membership ? .presales : .afterSales
    }

    /// Share of all messages held by the biggest tenant.
    static let biggestShare = 0.10
    /// The fewest messages a tenant gets: one short conversation.
    static let minimumMessages = 3

    static func plans(tenants: Int, messages: Int, seed: UInt64) -> [Plan] {
        var random = SeededRandom(seed: seed ^ 0x7E4A_17)
        return sizes(tenants: tenants, messages: messages).enumerated().map { index, size in
            let number = index + 1
            let brand = SyntheticVocabulary.brandWords[random.next(below: SyntheticVocabulary.brandWords.count)]
                + SyntheticVocabulary.brandTrades[random.next(below: SyntheticVocabulary.brandTrades.count)]
            // Roughly one agent per 3,000 messages a year, at least three, at most sixty.
            let agents = min(60, max(3, size / 3_000 + 2))
            var departments: [Department] = [.afterSales, .techSupport, .presales]
            if agents >= 8 { departments += [.logistics, .membership] }
            let slug = String(format: "bench-%04d", number)
            return Plan(number: number, slug: slug, name: "\(brand) \(slug)", brand: brand, messages: size,
                        agents: agents, departments: departments)
        }
    }

    /// Messages per tenant, biggest first, summing to exactly `messages`.
    static func sizes(tenants: Int, messages: Int) -> [Int] {
        precondition(tenants >= 1 && messages >= tenants * minimumMessages, "too few messages for that many tenants")
        let exponent = zipfExponent(tenants: tenants, topShare: max(biggestShare, 1 / Double(tenants)))
        let weights = (1...tenants).map { 1 / pow(Double($0), exponent) }
        let total = weights.reduce(0, +)
        var sizes = weights.map { max(minimumMessages, Int(Double(messages) * $0 / total)) }
        // Rounding and the minimum leave a difference; the biggest tenants absorb it.
        var difference = messages - sizes.reduce(0, +)
        var index = 0
        while difference != 0 {
            let step = difference > 0 ? 1 : -1
            if sizes[index] + step >= minimumMessages {
                sizes[index] += step
                difference -= step
            }
            index = (index + 1) % tenants
        }
        return sizes
    }

    /// The exponent s for which rank 1 gets `topShare` of 1/k^s over `tenants` ranks
    /// (the share grows with s, so bisection finds it).
    static func zipfExponent(tenants: Int, topShare: Double) -> Double {
        guard tenants > 1 else { return 0 }
        func share(_ s: Double) -> Double {
            1 / (1...tenants).reduce(0.0) { $0 + 1 / pow(Double($1), s) }
        }
        var low = 0.0
        var high = 6.0
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if share(middle) < topShare { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
