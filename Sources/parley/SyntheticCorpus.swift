import Domain
import Foundation
import Store

/// Customer-service conversations for the benchmark data set (`parley seed --tenants`):
/// mostly Chinese, about 15% English or mixed, with order, tracking and phone numbers,
/// drawn from `SyntheticVocabulary` with popularity skew. Pure and deterministic: the
/// same random state gives the same lines.
enum SyntheticCorpus {
    enum Language: Sendable {
        case chinese, english, mixed
    }

    /// What a conversation is about; decides its lines and the department it is routed to.
    enum Scenario: CaseIterable, Sendable {
        case refund, shipping, exchange, invoice, account, repair, priceProtection, coupon
        case address, complaint, membership, installation, presales, urge, missingParts, cancel
    }

    /// One message of a generated conversation. `secondAgent` marks agent lines sent
    /// after a transfer, by the colleague the conversation was handed to.
    struct Line: Sendable {
        var side: SenderSide
        var kind: MessageKind
        var text: String?
        var attachment: Attachment?
        var secondAgent = false
    }

    /// Who takes part, as the lines mention them.
    struct Cast {
        let brand: String
        let agentName: String
        let secondAgentName: String?
        let customerPhone: String
    }

    // Popularity skew of each list: products and cities follow Zipf's law closely;
    // colours and faults are flatter.
    static let productTable = ZipfTable(count: SyntheticVocabulary.products.count, exponent: 1.0)
    static let cityTable = ZipfTable(count: SyntheticVocabulary.cities.count, exponent: 1.0)
    static let colorTable = ZipfTable(count: SyntheticVocabulary.colors.count, exponent: 0.8)
    static let faultTable = ZipfTable(count: SyntheticVocabulary.faults.count, exponent: 0.8)
    static let courierTable = ZipfTable(count: SyntheticVocabulary.couriers.count, exponent: 1.0)
    static let scenarioTable = ZipfTable(count: Scenario.allCases.count, exponent: 0.7)

    static func language(_ random: inout SeededRandom) -> Language {
        let roll = random.unit()
        return roll < 0.09 ? .english : roll < 0.15 ? .mixed : .chinese
    }

    static func scenario(_ random: inout SeededRandom) -> Scenario {
        Scenario.allCases[random.zipfIndex(scenarioTable)]
    }

    /// Exactly `length` lines (3…20) of one conversation.
    static func conversation(_ scenario: Scenario, language: Language, length: Int, cast: Cast,
                             random: inout SeededRandom) -> [Line] {
        var slots = Slots(&random, mixed: language == .mixed)
        var lines: [Line]
        let opening: [Line]
        let closing: [Line]
        switch language {
        case .chinese, .mixed:
            opening = chineseOpening(cast, &random)
            lines = chineseCore(scenario, &slots, cast, &random)
            closing = chineseClosing(&random)
        case .english:
            opening = englishOpening(cast, &random)
            lines = englishCore(scenario, &slots, &random)
            closing = englishClosing(&random)
        }
        // Grow the middle with small talk until the conversation is long enough, then cut
        // the greeting and the tail: real chats often end without a goodbye.
        while opening.count + lines.count + closing.count < length {
            let filler: [Line]
            switch language {
            case .chinese: filler = chineseFiller(&slots, cast, &random)
            case .mixed: filler = random.chance(0.4) ? mixedFiller(&slots, &random) : chineseFiller(&slots, cast, &random)
            case .english: filler = englishFiller(&slots, &random)
            }
            let at = lines.count < 2 ? lines.count : random.int(in: 1...lines.count)
            lines.insert(contentsOf: filler, at: at)
        }
        var all = opening + lines + closing
        if all.count > length { all.removeFirst(min(opening.count, all.count - length)) }
        if all.count > length { all.removeLast(all.count - length) }
        if let name = cast.secondAgentName, length >= 8 {
            let at = random.int(in: (length / 2)...(length - 2))
            all[at] = Line(side: .system, kind: .event, text: language == .english
                           ? "Conversation transferred to \(name)" : "会话已转接给客服\(name)")
            for index in (at + 1)..<all.count where all[index].side == .agent { all[index].secondAgent = true }
        }
        return all
    }

    /// The values a conversation's lines are filled with, drawn once so a conversation
    /// talks about one product, one order, one city.
    struct Slots {
        let product: String
        let color: String
        let fault: String
        let city: String
        let district: String
        let street: String
        let courierIndex: Int
        let order: String
        let tracking: String
        let price: Int
        let days: Int
        let timeSlot: String
        let feature: String
        let accessory: String
        let company: String
        let englishProduct: String
        let englishFault: String
        let mixedTerm: String

        init(_ random: inout SeededRandom, mixed: Bool) {
            let vocabulary = SyntheticVocabulary.self
            let product = vocabulary.products[random.zipfIndex(SyntheticCorpus.productTable)]
            // Mixed-language chats are about imported gadgets as often as not.
            self.product = mixed && random.chance(0.5) ? random.pick(["AirPods Pro", "iPhone 15手机壳", "iPad", "MacBook", "Kindle", "Switch手柄"]) : product
            color = vocabulary.colors[random.zipfIndex(SyntheticCorpus.colorTable)]
            fault = vocabulary.faults[random.zipfIndex(SyntheticCorpus.faultTable)]
            city = vocabulary.cities[random.zipfIndex(SyntheticCorpus.cityTable)]
            district = random.pick(vocabulary.districts)
            street = random.pick(vocabulary.streets)
            courierIndex = random.zipfIndex(SyntheticCorpus.courierTable)
            order = "DD" + random.digits(10)
            tracking = vocabulary.courierPrefixes[courierIndex] + random.digits(12)
            price = random.int(in: 19...3999)
            days = random.int(in: 2...7)
            timeSlot = random.pick(vocabulary.timeSlots)
            feature = random.pick(vocabulary.features)
            accessory = random.pick(vocabulary.accessories)
            company = vocabulary.cities[random.next(below: 30)] + random.pick(vocabulary.companyWords)
                + random.pick(vocabulary.companyTrades) + "有限公司"
            englishProduct = random.pick(vocabulary.englishProducts)
            englishFault = random.pick(vocabulary.englishFaults)
            mixedTerm = random.pick(vocabulary.mixedTerms)
        }

        var courier: String { SyntheticVocabulary.couriers[courierIndex] }

        func photo(_ random: inout SeededRandom) -> Line {
            let number = random.next(below: 1_000_000)
            return Line(side: .customer, kind: .image, text: nil, attachment: Attachment(
                url: "https://files.example.com/chat/\(order.lowercased())/\(number).jpg", name: "IMG_\(number).jpg",
                mimeType: "image/jpeg", sizeBytes: 80_000 + random.next(below: 3_000_000)))
        }
    }

    private static func c(_ text: String) -> Line { Line(side: .customer, kind: .text, text: text) }
    private static func a(_ text: String) -> Line { Line(side: .agent, kind: .text, text: text) }
    private static func b(_ text: String) -> Line { Line(side: .bot, kind: .text, text: text) }

    // MARK: Chinese

    private static func chineseOpening(_ cast: Cast, _ random: inout SeededRandom) -> [Line] {
        var lines: [Line] = []
        if random.chance(0.45) {
            lines.append(b(random.pick(["您好，欢迎光临\(cast.brand)官方旗舰店，请问有什么可以帮您？",
                                        "亲，您好！\(cast.brand)智能客服为您服务，人工客服正在接入，请稍候……",
                                        "您好，这里是\(cast.brand)在线客服，请简单描述您的问题"])))
        }
        if random.chance(0.5) {
            lines.append(a(random.pick(["您好，我是\(cast.brand)客服\(cast.agentName)，很高兴为您服务",
                                        "您好，客服\(cast.agentName)为您服务，请问有什么可以帮您？",
                                        "亲，在的，请问有什么问题呢？"])))
        }
        return lines
    }

    private static func chineseClosing(_ random: inout SeededRandom) -> [Line] {
        [a("请问还有其他可以帮您的吗？"),
         c(random.pick(["没有了，谢谢", "没有了", "好的，麻烦你了", "暂时没有了，谢谢你", "没了，辛苦了"])),
         a(random.pick(["感谢您的耐心等待，祝您生活愉快！", "不客气，有问题随时联系我们", "满意的话麻烦给个五星好评哦，祝您生活愉快",
                        "好的，感谢您的支持，再见"]))]
    }

    private static func chineseCore(_ scenario: Scenario, _ s: inout Slots, _ cast: Cast, _ random: inout SeededRandom) -> [Line] {
        switch scenario {
        case .refund:
            return [c(random.pick(["你好，我要退款，订单号 \(s.order)", "我要申请退款，订单号是\(s.order)", "\(s.product)不想要了，能退款吗？订单\(s.order)"])),
                    a("您好，请问是什么原因需要退款呢？"),
                    c(random.pick(["收到的\(s.product)\(s.fault)", "\(s.product)\(s.fault)，用不了", "买错了，\(s.color)的不喜欢"])),
                    a("非常抱歉给您带来不便，已为您提交退款申请，预计\(s.days)个工作日原路退回"),
                    c(random.pick(["退款进度在哪里看？", "需要把商品寄回吗？", "好的，谢谢"])),
                    a(random.pick(["您可以在订单详情里查看退款进度", "需要的，请寄回后在订单里填写快递单号", "不客气，退款到账后会有短信通知"]))]
        case .shipping:
            return [c(random.pick(["我的快递到哪了？订单号\(s.order)", "请问什么时候发货？订单编号 \(s.order)", "买的\(s.product)怎么还没到？"])),
                    b("正在为您查询物流信息……"),
                    a("您的包裹已由\(s.courier)揽收，快递单号 \(s.tracking)"),
                    c(random.pick(["物流三天没更新了", "显示在\(s.city)转运中心，是不是卡住了", "能不能帮我催一下"])),
                    a("已为您联系\(s.courier)核实，预计\(s.days)天内送达，请您耐心等待"),
                    c(random.pick(["好的，谢谢", "能送货上门吗？", "如果再不到怎么办"])),
                    a(random.pick(["不客气", "可以的，会送到您填写的地址", "如果超时未到，我们会为您补发或退款"]))]
        case .exchange:
            return [c(random.pick(["\(s.product)颜色发错了，我要的是\(s.color)", "尺寸不合适，想换一个", "收到的\(s.product)\(s.fault)，能换货吗"])),
                    a("非常抱歉，请提供一下订单号，我帮您处理换货"),
                    c("订单号 \(s.order)"),
                    a("已为您申请换货，快递员会在\(s.timeSlot)上门取件"),
                    c(random.pick(["换的新货什么时候发？", "运费谁出？", "好的"])),
                    a(random.pick(["收到退回的商品后24小时内发出", "来回运费由我们承担", "好的，有问题随时联系"]))]
        case .invoice:
            return [c(random.pick(["发票怎么开？需要增值税专用发票", "能开发票吗？公司报销用", "订单\(s.order)的发票还没收到"])),
                    a("您可以在订单详情页申请开票，专票需要提供公司名称和税号"),
                    c("抬头是\(s.company)，税号 91\(random.digits(16))"),
                    a("好的，已为您提交开票申请，电子发票会发送到您的邮箱"),
                    Line(side: .agent, kind: .file, text: nil, attachment: Attachment(
                        url: "https://files.example.com/invoice/\(s.order.lowercased()).pdf", name: "电子发票-\(s.order).pdf",
                        mimeType: "application/pdf", sizeBytes: 40_000 + random.next(below: 200_000))),
                    c("收到了，谢谢")]
        case .account:
            return [c(random.pick(["我的账号登录不上了，一直提示密码错误", "收不到验证码怎么办", "账号被冻结了"])),
                    a("请您提供注册手机号，我帮您核实"),
                    c("手机号是 \(cast.customerPhone)"),
                    a(random.pick(["已为您重置密码，请查收短信", "验证码已重新发送，请注意查收", "已为您解除冻结，请重新登录"])),
                    c(random.pick(["可以登录了，感谢", "还是不行", "好的我试试"])),
                    a(random.pick(["不客气", "请您清除缓存后重试，或者更新到最新版本", "好的"]))]
        case .repair:
            var lines = [c(random.pick(["我的\(s.product)\(s.fault)", "\(s.color)\(s.product)用了一个月就\(s.fault)", "你好，\(s.product)\(s.fault)，怎么办"])),
                         a("非常抱歉，请您提供一下购买凭证和故障照片")]
            lines.append(s.photo(&random))
            lines += [a("收到，这个情况需要检修，可以安排上门维修，也可以寄回维修中心"),
                      c(random.pick(["上门吧，地址在\(s.city)\(s.district)\(s.street)\(random.int(in: 1...999))号", "寄回要多久？", "在保修期内吗？"])),
                      a(random.pick(["好的，师傅会在\(s.timeSlot)联系您", "寄回后一般\(s.days)个工作日修好寄出", "在保修期内，维修免费"]))]
            return lines
        case .priceProtection:
            return [c(random.pick(["我刚买的\(s.product)降价了，能保价吗", "下单第二天就便宜了\(random.int(in: 10...300))元"])),
                    a("请提供一下订单号，我帮您查询是否符合价格保护"),
                    c("订单号\(s.order)"),
                    a("您的订单在价保期内，差价\(random.int(in: 10...300))元会在\(s.days)个工作日内退回"),
                    c("好的，谢谢")]
        case .coupon:
            return [c(random.pick(["优惠券为什么用不了？", "满减活动怎么参加", "领的券显示不可用"])),
                    a("这张优惠券需要满\(random.int(in: 2...10) * 100)元才能使用，并且部分商品不参加"),
                    c("\(s.product)可以用吗？"),
                    a(random.pick(["可以的，结算时会自动抵扣", "抱歉，这款是特价商品，不能叠加优惠券"])),
                    c(random.pick(["好吧", "知道了，谢谢"]))]
        case .address:
            return [c(random.pick(["地址填错了，能改吗？订单号 \(s.order)", "收货地址要修改一下"])),
                    a("请问新的收货地址是？"),
                    c("改成\(s.city)\(s.district)\(s.street)\(random.int(in: 1...999))号\(random.int(in: 1...30))栋\(random.int(in: 101...2808))"),
                    a(random.pick(["已为您修改收货地址", "包裹已经发出，已联系\(s.courier)为您改派"])),
                    c("好的，谢谢")]
        case .complaint:
            return [c(random.pick(["我要投诉，配送员态度太差了", "你们客服一直不回复", "\(s.product)质量太差了，我要投诉"])),
                    a("非常抱歉给您带来不好的体验，请您详细说明一下情况"),
                    c(random.pick(["快递员没打电话就把包裹放在门口，东西丢了", "等了两天都没人处理", "用了三天就\(s.fault)"])),
                    a("您的反馈已经记录，会有专人在24小时内联系您处理"),
                    c(random.pick(["希望尽快解决", "我要赔偿", "好吧"])),
                    a("理解您的心情，我们一定会给您一个满意的答复")]
        case .membership:
            return [c(random.pick(["会员积分怎么兑换？", "年卡会员怎么续费", "会员等级是怎么算的"])),
                    a("您可以在App的会员中心查看积分和兑换礼品，\(random.int(in: 1...10) * 100)积分可以抵扣\(random.int(in: 1...10))元"),
                    c("积分什么时候过期？"),
                    a("积分有效期是一年，每年12月31日清零上一年的积分"),
                    c("知道了")]
        case .installation:
            return [c(random.pick(["\(s.product)什么时候可以上门安装？", "预约安装\(s.product)", "安装师傅还没联系我"])),
                    a("请提供一下订单号和安装地址"),
                    c("订单\(s.order)，地址是\(s.city)\(s.district)\(s.street)\(random.int(in: 1...999))号"),
                    a("已为您预约\(s.timeSlot)上门安装，师傅会提前电话联系您"),
                    c(random.pick(["安装收费吗？", "好的"])),
                    a(random.pick(["基础安装免费，特殊材料另外收费", "好的，请保持电话畅通"]))]
        case .presales:
            return [c(random.pick(["这款\(s.product)有\(s.color)的吗？", "\(s.product)支持\(s.feature)吗？", "想买\(s.product)，有什么推荐吗"])),
                    a(random.pick(["有的，\(s.color)目前有货，下单后48小时内发货", "支持的，详情可以查看商品页的参数说明", "推荐您看一下我们的热销款，性价比很高"])),
                    c("现在下单有优惠吗？"),
                    a("现在下单立减\(random.int(in: 10...200))元，还送\(s.accessory)"),
                    c(random.pick(["好的，我考虑一下", "那我现在就拍", "能便宜点吗？"])),
                    a(random.pick(["好的，有问题随时咨询", "好的，付款后我们尽快安排发货", "已经是最低价了哦"]))]
        case .urge:
            return [c(random.pick(["怎么还没发货？都\(s.days)天了", "订单\(s.order)什么时候发货", "能不能快点发货"])),
                    a("非常抱歉，最近订单量比较大，我帮您催一下仓库"),
                    c("今天能发吗？"),
                    a("已为您加急处理，预计今天发出，发货后会短信通知您"),
                    c("好的")]
        case .missingParts:
            return [c(random.pick(["收到的\(s.product)少发了\(s.accessory)", "包裹里没有\(s.accessory)"])),
                    a("非常抱歉，请您拍一下包裹里的物品"),
                    s.photo(&random),
                    a("确实少发了\(s.accessory)，已为您安排补发，快递单号 \(s.tracking)"),
                    c("好的，谢谢")]
        case .cancel:
            return [c(random.pick(["订单\(s.order)能取消吗？", "拍错了，帮我取消订单"])),
                    a("请稍等，我帮您查询一下订单状态"),
                    a(random.pick(["订单还没有发货，已为您取消，款项会原路退回", "订单已经发货了，您可以拒收，我们收到退回后为您退款"])),
                    c("好的，谢谢")]
        }
    }

    private static func chineseFiller(_ s: inout Slots, _ cast: Cast, _ random: inout SeededRandom) -> [Line] {
        switch random.next(below: 13) {
        case 0: return [c("还在吗？"), a("在的，正在为您查询，请您耐心等待")]
        case 1: return [c("大概要多久？"), a("一般\(s.days)个工作日内会有结果，请您耐心等待")]
        case 2: return [c(random.pick(["好的", "嗯嗯", "明白了", "哦哦"]))]
        case 3: return [c("能快一点吗？着急用"), a("理解您的心情，已经为您加急处理")]
        case 4: return [c("你们电话多少？"), a("我们的客服热线是400-\(random.digits(3))-\(random.digits(4))，服务时间9:00-21:00")]
        case 5: return [c("之前也问过一次了，一直没解决"), a("非常抱歉给您带来不便，这次我会全程跟进")]
        case 6: return [s.photo(&random), a("收到图片了，我看一下")]
        case 7: return [a("亲，请问您那边收到了吗？"), c(random.pick(["收到了", "还没有", "收到了，谢谢"]))]
        case 8: return [c("这个\(s.product)有\(s.color)的吗？"), a("有的，\(s.color)目前有货")]
        case 9: return [c("支持\(s.feature)吗？"), a("支持的，详情可以查看商品页的参数说明")]
        case 10: return [c("我手机号是\(cast.customerPhone)"), a("好的，已经查到您的账户信息")]
        case 11: return [c("寄到\(s.city)要几天？"), a("寄到\(s.city)一般\(s.days)天左右能到")]
        default: return [a("请您稍等，我帮您确认一下"), c("好")]
        }
    }

    // MARK: Mixed Chinese and English

    private static func mixedFiller(_ s: inout Slots, _ random: inout SeededRandom) -> [Line] {
        switch random.next(below: 6) {
        case 0: return [c("订单 \(s.order) 的 refund 什么时候到？"), a("refund 已经提交，预计\(s.days)个工作日到账")]
        case 1: return [c("App 里面找不到 invoice 入口"), a("在 App 的“我的订单”里点开订单就能申请")]
        case 2: return [c("Wi-Fi 连不上，是不是有 bug"), a("请您先重启一下路由器，再重新配网试试")]
        case 3: return [c("\(s.mixedTerm) 可以用吗？"), a("可以的，没问题")]
        case 4: return [c("能开 VIP 吗？"), a("可以的，在会员中心开通 VIP 就行")]
        default: return [c("OK 谢谢"), a("不客气，have a nice day")]
        }
    }

    // MARK: English

    private static func englishOpening(_ cast: Cast, _ random: inout SeededRandom) -> [Line] {
        var lines: [Line] = []
        if random.chance(0.45) { lines.append(b("Hi! Welcome to our official store. How can I help you today?")) }
        if random.chance(0.5) { lines.append(a("Hello, this is \(cast.agentName) from customer service. How may I help?")) }
        return lines
    }

    private static func englishClosing(_ random: inout SeededRandom) -> [Line] {
        [a("Is there anything else I can help you with?"),
         c(random.pick(["No, that's all. Thanks!", "Nope, thank you.", "That's it, thanks a lot"])),
         a(random.pick(["Thank you for your patience. Have a nice day!", "You're welcome. Feel free to contact us anytime."]))]
    }

    private static func englishCore(_ scenario: Scenario, _ s: inout Slots, _ random: inout SeededRandom) -> [Line] {
        switch scenario {
        case .refund, .complaint, .cancel, .priceProtection, .coupon:
            return [c(random.pick(["Hi, I'd like a refund for order \(s.order)", "Can I get a refund? Order \(s.order)", "I want to cancel order \(s.order) and get my money back"])),
                    a("Sorry to hear that. What went wrong?"),
                    c("The \(s.englishProduct) \(s.englishFault)"),
                    a("I've filed the refund, it should arrive in \(s.days) business days."),
                    c(random.pick(["Do I need to send it back?", "Thanks"])),
                    a(random.pick(["Yes, please ship it back and enter the tracking number in your order.", "You're welcome."]))]
        case .shipping, .urge, .address, .missingParts:
            return [c(random.pick(["Where is my delivery? Order \(s.order)", "My package hasn't arrived yet, order \(s.order)"])),
                    a("It shipped with \(s.courier), tracking number \(s.tracking)"),
                    c(random.pick(["Tracking says it's stuck in \(random.pick(SyntheticVocabulary.englishCities))", "Can you deliver it to my office instead?"])),
                    a("I've asked the courier to check, it should arrive within \(s.days) days."),
                    c("Great, thanks!")]
        case .repair, .installation, .exchange:
            var lines = [c("My \(s.englishProduct) \(s.englishFault)"),
                         a("I'm sorry about that. Could you send a photo and your order number?")]
            lines.append(s.photo(&random))
            lines += [c("Order \(s.order)"),
                      a(random.pick(["We'll send you a replacement free of charge.", "A technician will call you \(random.pick(["tomorrow morning", "tomorrow afternoon", "on Saturday"]))."])),
                      c("Thank you")]
            return lines
        case .account, .membership:
            return [c(random.pick(["I can't log in to my account", "I didn't get the verification code", "How do I use my VIP points?"])),
                    a("Could you give me the phone number you registered with?"),
                    c("It's \(random.pick(["+86 ", ""]))1\(random.int(in: 3...9))\(random.digits(9))"),
                    a(random.pick(["I've reset your password, please check your SMS.", "Done, you can log in again now."])),
                    c("It works now, thanks")]
        case .invoice, .presales:
            return [c(random.pick(["Do you ship to Hong Kong?", "Does the \(s.englishProduct) come with a warranty?", "Can I get a VAT invoice?"])),
                    a(random.pick(["Yes, shipping takes \(s.days) days.", "Yes, a one-year warranty.", "Sure, please send us your company name and tax number."])),
                    c("OK, thanks")]
        }
    }

    private static func englishFiller(_ s: inout Slots, _ random: inout SeededRandom) -> [Line] {
        switch random.next(below: 5) {
        case 0: return [c("Are you still there?"), a("Yes, I'm checking for you, please bear with me.")]
        case 1: return [c("How long will it take?"), a("Usually \(s.days) business days.")]
        case 2: return [s.photo(&random), a("Got the picture, thanks.")]
        case 3: return [c("Can you hurry up please? I need it soon"), a("I understand, I've marked it as urgent.")]
        default: return [c(random.pick(["OK", "Sure", "I see"]))]
        }
    }
}
