import Domain
import Foundation
import Store

/// Lines the demo conversations are made of: customer-service talk in Chinese
/// (most of it) and English, with order and phone numbers to search for.
enum DemoScripts {
    struct Line {
        let side: SenderSide
        let kind: MessageKind
        let text: String?
        let attachment: Attachment?
    }

    static let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
    static let givenNames = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇"]
    static let englishNames = ["Alice Chen", "Bob Smith", "Carol Wu", "David Lee", "Emma Brown"]

    static func customer(_ number: Int, channel: Domain.Channel) -> IngestCustomer {
        let english = number % 7 == 0
        let name = english ? englishNames[number % englishNames.count]
                           : surnames[number % surnames.count] + givenNames[(number / surnames.count) % givenNames.count]
        // The same customer on several channels shares a phone number, so identities merge into one profile.
        let phone = String(format: "138%08d", 10_000_000 + number * 7919 % 89_999_999)
        return IngestCustomer(externalID: "\(channel.rawValue)-user-\(number)", name: name, phone: phone,
                              email: english ? "customer\(number)@example.com" : nil)
    }

    private static let chinese: [[(SenderSide, String)]] = [
        [(.customer, "你好，我要退款，订单号 %ORDER%"), (.agent, "您好，请问是什么原因需要退款呢？"),
         (.customer, "收到的商品有破损"), (.agent, "非常抱歉，已为您提交退款申请，预计3个工作日到账"), (.customer, "好的，谢谢")],
        [(.customer, "请问什么时候发货？订单编号 %ORDER%"), (.bot, "正在为您查询物流信息……"),
         (.agent, "您的订单已经出库，快递单号 SF%DIGITS%"), (.customer, "太好了，谢谢！")],
        [(.customer, "我的账号登录不上了，一直提示密码错误"), (.agent, "请您提供注册手机号，我帮您核实"),
         (.customer, "手机号是 %PHONE%"), (.agent, "已为您重置密码，请查收短信"), (.customer, "可以登录了，感谢")],
        [(.customer, "发票怎么开？需要增值税专用发票"), (.agent, "您可以在订单详情页申请开票，专票需要提供税号"),
         (.customer, "好的我去看看")],
        [(.customer, "你们的产品支持七天无理由退货吗？"), (.agent, "支持的，签收后七天内商品完好即可申请"),
         (.customer, "仅退款可以吗？款项原路返回吗"), (.agent, "可以，款项会原路退回您的支付账户")],
    ]

    private static let english: [[(SenderSide, String)]] = [
        [(.customer, "Hi, I'd like a refund for order %ORDER%"), (.agent, "Sorry to hear that. What went wrong?"),
         (.customer, "The package arrived damaged"), (.agent, "I've filed the refund, it should arrive in 3 business days.")],
        [(.customer, "Where is my delivery? Order %ORDER%"), (.agent, "It shipped yesterday, tracking number SF%DIGITS%"),
         (.customer, "Great, thanks!")],
    ]

    static func conversation(number: Int, random: inout SeededRandom) -> [Line] {
        let useEnglish = random.next(below: 100) < 15
        let pool = useEnglish ? english : chinese
        let template = pool[random.next(below: pool.count)]
        let order = String(format: "DD%010d", 1_000_000_000 + number * 104_729 % 8_999_999_999)
        var lines = template.map { side, text -> Line in
            let filled = text
                .replacingOccurrences(of: "%ORDER%", with: order)
                .replacingOccurrences(of: "%DIGITS%", with: String(format: "%09d", number * 31_337 % 999_999_999))
                .replacingOccurrences(of: "%PHONE%", with: String(format: "139%08d", number * 7_717 % 99_999_999))
            return Line(side: side, kind: .text, text: filled, attachment: nil)
        }
        if random.next(below: 4) == 0 {
            lines.insert(Line(side: .customer, kind: .image, text: nil,
                              attachment: Attachment(url: "https://files.example.com/demo/\(number).jpg", name: "photo-\(number).jpg",
                                                     mimeType: "image/jpeg", sizeBytes: 120_000 + number)), at: 1)
        }
        return lines
    }
}
