/// Word lists the synthetic customer-service corpus is made of (`parley seed --tenants`).
///
/// Lists are ordered by popularity: the generator draws from them with a Zipf-like
/// skew, so the first entries are common and the last ones rare. That is what gives
/// the benchmark 4–6 character phrases that range from common to rare; keep the
/// order when editing, and keep the characters of `BenchTerms.rare*` unique to their
/// entries (the benchmark prints how often each term really occurs).
enum SyntheticVocabulary {
    /// Products, most sold first. `BenchTerms.rare4` and `.rare6` live at the tail.
    static let products = [
        "蓝牙耳机", "扫地机器人", "空气净化器", "电动牙刷", "智能手表", "保温杯", "羽绒服", "运动鞋", "电饭煲", "加湿器",
        "吹风机", "剃须刀", "洗碗机", "破壁机", "投影仪", "行车记录仪", "笔记本电脑", "平板电脑", "移动电源", "充电器",
        "数据线", "手机壳", "钢化膜", "路由器", "摄像头", "智能门锁", "智能音箱", "电动车", "儿童座椅", "行李箱",
        "双肩包", "太阳镜", "连衣裙", "牛仔裤", "衬衫", "卫衣", "羊毛衫", "冲锋衣", "登山鞋", "瑜伽垫",
        "跑步机", "筋膜枪", "按摩椅", "足浴盆", "血压计", "体温计", "奶粉", "纸尿裤", "奶瓶", "婴儿床",
        "积木玩具", "遥控汽车", "茶叶", "咖啡豆", "坚果礼盒", "月饼礼盒", "大米", "食用油", "牛排", "车厘子",
        "蜂蜜", "洗衣液", "拖把", "收纳箱", "窗帘", "地毯", "沙发", "餐桌", "办公椅", "书架",
        "床垫", "衣柜", "马桶盖", "花洒", "水龙头", "吸顶灯", "电风扇", "暖风机", "除湿机", "净水器",
        "热水器", "空调", "冰箱", "洗衣机", "烘干机", "微波炉", "烤箱", "咖啡机", "榨汁机", "电磁炉",
        "机械键盘", "无线鼠标", "显示器", "乳胶枕", "电热毯", "四件套", "面膜", "精华液", "口红", "防晒霜",
        "洗发水", "沐浴露", "牙膏", "纸巾", "垃圾袋", "衣架", "保鲜盒", "炒锅", "菜刀", "砧板",
        "电水壶", "养生壶", "空气炸锅", "电烤盘", "酸奶机", "面包机", "豆浆机", "绞肉机", "挂烫机", "蒸汽拖把",
        "吸尘器", "除螨仪", "台灯", "落地灯", "夜灯", "插线板", "智能插座", "电子秤", "体脂秤", "血糖仪",
        "制氧机", "雾化器", "护腰带", "颈椎枕", "拐杖", "轮椅", "助听器", "老花镜", "放大镜", "手电筒",
        "无人机", "运动相机", "单反镜头", "电子阅读器", "游戏手柄", "宠物烘干箱", "鱼缸过滤器", "天文望远镜", "露营帐篷", "复古黑胶唱机",
    ]

    /// Colours and editions, as written after a product ("星空灰蓝牙耳机").
    static let colors = [
        "黑色", "白色", "灰色", "星空灰", "雾霾蓝", "樱花粉", "薄荷绿", "香槟金", "午夜蓝", "珍珠白",
        "琥珀橙", "酒红色", "卡其色", "燕麦色", "石墨黑", "远峰蓝", "暮光紫", "象牙白", "松石绿", "奶茶色",
        "深空灰", "烟灰粉", "牛油果绿", "焦糖色", "冰川蓝", "玫瑰金", "墨绿色", "藏青色", "杏色", "米白色",
    ]

    /// What goes wrong with a product ("扫地机器人无法开机").
    static let faults = [
        "无法开机", "充不进电", "有异响", "发热严重", "连不上蓝牙", "按键失灵", "自动关机", "噪音很大", "有划痕", "屏幕碎了",
        "漏水", "味道很大", "掉色", "开线了", "尺码偏小", "尺码偏大", "少了配件", "包装破损", "不出水", "不制热",
        "不制冷", "指示灯一直闪", "续航很短", "声音断断续续", "连不上网", "配对失败", "显示异常", "卡顿严重", "外壳开裂", "漏电",
        "转速很慢", "吸力变小", "过滤网堵了", "出风口有灰", "温度不准", "计量不准", "电机烧了", "螺丝松动", "胶水开了", "颜色和图片不一样",
    ]

    /// Cities, biggest first. `BenchTerms.rare2` and `.rare1` come from the tail.
    static let cities = [
        "上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京", "重庆", "西安",
        "苏州", "天津", "长沙", "郑州", "青岛", "宁波", "东莞", "佛山", "合肥", "福州",
        "厦门", "济南", "昆明", "沈阳", "大连", "哈尔滨", "长春", "石家庄", "太原", "南昌",
        "南宁", "贵阳", "兰州", "海口", "三亚", "珠海", "无锡", "常州", "徐州", "温州",
        "嘉兴", "绍兴", "金华", "台州", "泉州", "漳州", "惠州", "中山", "江门", "汕头",
        "湛江", "桂林", "柳州", "洛阳", "开封", "保定", "唐山", "烟台", "威海", "潍坊",
        "邯郸", "临沂", "淄博", "扬州", "镇江", "泰州", "盐城", "南通", "芜湖", "蚌埠",
        "安庆", "黄山", "九江", "赣州", "宜昌", "襄阳", "岳阳", "株洲", "湘潭", "遵义",
        "曲靖", "大理", "丽江", "西宁", "银川", "包头", "拉萨", "乌鲁木齐", "伊宁", "喀什",
    ]

    static let districts = ["浦东新区", "朝阳区", "天河区", "南山区", "西湖区", "武侯区", "江汉区", "鼓楼区", "渝中区", "雁塔区",
                            "工业园区", "和平区", "岳麓区", "金水区", "市南区", "鄞州区", "高新区", "经开区", "新城区", "滨江区"]

    static let streets = [
        "人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "黄河路", "文化路", "学府路", "滨江大道",
        "世纪大道", "科技路", "创业路", "光明街", "幸福里", "花园路", "友谊路", "新华街", "胜利路", "东风路",
        "青年路", "迎宾大道", "湖滨路", "桂花巷", "梧桐街", "紫荆路", "银杏大道", "枫林路", "翠竹巷", "丁香路",
    ]

    static let couriers = ["顺丰", "京东物流", "中通", "圆通", "韵达", "申通", "极兔", "邮政", "德邦"]
    static let courierPrefixes = ["SF", "JD", "ZT", "YT", "YD", "ST", "JT", "EMS", "DB"]

    static let features = ["防水", "快充", "主动降噪", "无线充电", "语音控制", "远程控制", "静音模式", "儿童锁", "自动清洗", "定时预约",
                           "杀菌除菌", "一键换气", "大容量", "便携折叠", "低噪音", "节能省电", "智能联网", "手机App控制"]

    static let accessories = ["充电器", "说明书", "保修卡", "遥控器", "滤网", "刷头", "电源线", "收纳袋", "安装支架", "替换滤芯",
                              "螺丝包", "挂钩", "清洁刷", "转换插头", "耳塞套"]

    static let timeSlots = ["明天上午", "明天下午", "后天上午", "后天下午", "本周六", "本周日", "下周一", "下周三", "今天晚上", "工作日白天"]

    static let companyWords = ["星河", "恒信", "华宇", "瑞丰", "鼎盛", "博远", "新锐", "卓越", "金石", "汇通",
                               "天成", "锦程", "中科", "宏图", "长青", "凯旋", "明德", "嘉禾", "润泽", "飞扬"]
    static let companyTrades = ["科技", "贸易", "文化传媒", "餐饮管理", "电子商务", "建筑工程", "物业管理", "信息技术", "教育咨询", "医疗器械"]

    /// Shop brands: a tenant's name and what its bot calls it.
    static let brandWords = ["云帆", "森屿", "小满", "拾光", "半亩", "初见", "知行", "青禾", "悦享", "优品",
                             "暖阳", "星辰", "晨曦", "木子", "橙心", "简一", "熊猫", "蜜桃", "山海", "北极"]
    static let brandTrades = ["家居", "数码", "母婴", "美妆", "生鲜", "家电", "服饰", "宠物", "运动", "健康"]

    static let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                           "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗",
                           "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧"]
    static let givenNames = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇",
                             "军", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚",
                             "桂英", "丹", "萍", "鑫", "婷", "雪", "琳", "晨", "宇轩", "子涵",
                             "欣怡", "浩然", "梓萱", "思远", "雨桐", "嘉怡", "俊杰", "诗涵", "一鸣", "若曦"]

    static let englishNames = ["Alice Chen", "Bob Smith", "Carol Wu", "David Lee", "Emma Brown", "Frank Zhang", "Grace Liu",
                               "Henry Wang", "Ivy Zhou", "Jack Lin", "Kate Huang", "Leo Sun", "Mia Xu", "Nick Ma", "Olivia He"]
    static let englishProducts = ["wireless earbuds", "robot vacuum", "air purifier", "electric toothbrush", "smart watch",
                                  "thermos", "down jacket", "running shoes", "rice cooker", "humidifier", "hair dryer",
                                  "dishwasher", "projector", "dash cam", "laptop", "tablet", "power bank", "router",
                                  "camping tent", "espresso machine"]
    static let englishFaults = ["won't turn on", "doesn't charge", "makes a strange noise", "gets very hot", "won't pair",
                                "arrived damaged", "is missing parts", "is the wrong size", "is the wrong color", "stopped working"]
    static let englishCities = ["Shanghai", "Beijing", "Guangzhou", "Shenzhen", "Hangzhou", "Chengdu", "Hong Kong", "Singapore"]

    /// English and brand words that mixed-language conversations drop into Chinese sentences.
    static let mixedTerms = ["iPhone 15", "AirPods Pro", "Type-C", "Wi-Fi", "App", "VIP", "bug", "iPad", "Switch", "PS5",
                             "MacBook", "Kindle", "USB", "HDMI", "Bluetooth 5.3", "4K", "OK", "invoice", "refund", "order"]
}

/// Query terms `parley bench search` uses, from the vocabulary above: for each length a
/// common phrase (from the lines nearly every conversation has) and a rare one (from
/// the tail of a popularity-ordered list). Their real frequencies are measured and printed.
enum BenchTerms {
    static let common1 = "好"           // 您好, 好的, …
    static let rare1 = "喀"             // only in 喀什, the last city
    static let common2 = "退款"
    static let rare2 = "邯郸"           // a city three-quarters down the list
    static let common4 = "耐心等待"     // agents' "请您耐心等待" / "感谢您的耐心等待"
    static let rare4 = "露营帐篷"       // the second-to-last product
    static let common6 = "请问还有其他" // agents' closing question
    static let rare6 = "复古黑胶唱机"   // the last product
    static let englishWord = "refund"
}
