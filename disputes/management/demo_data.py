"""The demo world loaded by `manage.py seed_demo`: regions, people and their disputes.

Plain data only; the command in commands/seed_demo.py turns it into rows through the
services. Phones are unique across every account (1390000xxxx).
"""

from __future__ import annotations

PASSWORD = "tiaojie-demo"

DISTRICT = ("西湖区", "Xihu District")
# street → communities → grids (grids are numbered 1..8 in this order)
# fmt: off
STREETS = [
    (
        ("北山街道", "Beishan Subdistrict"),
        [
            (("宝石社区", "Baoshi Community"), [("宝石一网格", "Baoshi Grid 1"), ("宝石二网格", "Baoshi Grid 2")]),
            (("葛岭社区", "Geling Community"), [("葛岭一网格", "Geling Grid 1"), ("葛岭二网格", "Geling Grid 2")]),
        ],
    ),
    (
        ("灵隐街道", "Lingyin Subdistrict"),
        [
            (("玉泉社区", "Yuquan Community"), [("玉泉一网格", "Yuquan Grid 1"), ("玉泉二网格", "Yuquan Grid 2")]),
            (
                ("金沙港社区", "Jinshagang Community"),
                [("金沙港一网格", "Jinshagang Grid 1"), ("金沙港二网格", "Jinshagang Grid 2")],
            ),
        ],
    ),
]
# fmt: on

ADMIN = ("admin", "陆明远", "13900000999")
# username, full name, phone; gridN works in grid N
GRID_WORKERS = [
    ("grid1", "郑晓东", "13900000101"),
    ("grid2", "冯丽华", "13900000102"),
    ("grid3", "沈佳怡", "13900000103"),
    ("grid4", "韩国栋", "13900000104"),
    ("grid5", "唐雪梅", "13900000105"),
    ("grid6", "许文涛", "13900000106"),
    ("grid7", "邓海燕", "13900000107"),
    ("grid8", "曹立新", "13900000108"),
]
# username, full name, phone, (kind, number) of the region they serve
MEDIATORS = [
    ("mediator1", "蒋玉兰", "13900000201", ("community", 1)),
    ("mediator2", "谢宝根", "13900000202", ("community", 1)),
    ("mediator3", "袁慧琴", "13900000203", ("community", 2)),
    ("mediator4", "潘德明", "13900000204", ("community", 3)),
    ("mediator5", "杜建华", "13900000205", ("community", 4)),
    ("mediator6", "钟秀芳", "13900000206", ("street", 1)),
]
# Mediation pool profiles: expertise (category slugs) and languages spoken.
MEDIATOR_PROFILES = {
    "mediator1": (["neighbourhood", "family"], ["zh", "wuu"]),
    "mediator2": (["tenancy", "property-management"], ["zh", "wuu"]),
    "mediator3": (["consumer", "labour"], ["zh"]),
    "mediator4": (["neighbourhood", "tenancy"], ["zh", "wuu"]),
    "mediator5": (["family", "other"], ["zh", "yue"]),
    "mediator6": (["labour", "property-management"], ["zh", "wuu", "en"]),
}
HANDLERS = [
    ("handler1", "姚振华", "13900000301", ("street", 1)),
    ("handler2", "彭永康", "13900000302", ("district", 1)),
]
RESIDENT_NAMES = [
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄志强", "周婷", "吴建军",
    "徐丽萍", "孙浩然", "胡建国", "朱秀英", "高志明", "林晓燕", "何俊杰", "郭美玲", "马国庆", "罗慧敏",
]  # fmt: skip
RESIDENTS = [(f"resident{i}", name, f"139000000{i:02d}") for i, name in enumerate(RESIDENT_NAMES, start=1)]

# The first dispute, filed by resident1: when it exists, the disputes are already seeded.
MARKER_TITLE = "楼上卫生间漏水导致我家天花板发霉"

# Each dispute: the state it ends in, the grid (1..8), the steps that take it there (see
# seed_demo.STEPS), texts for those steps, and what the claimant files. `by_grid_worker`:
# the grid worker files on behalf of the claimant (someone without a smartphone).
# fmt: off
DISPUTES: list[dict] = [
    # --- neighbourhood (邻里纠纷) ------------------------------------------------------
    {
        "state": "in_mediation", "grid": 1, "category": "neighbourhood",
        "title": MARKER_TITLE,
        "description": "我家住3幢402室，楼上502室卫生间防水层老化，近两个月持续渗水，客厅和卫生间天花板"
        "大面积发霉、墙皮脱落。多次上门沟通，对方只答应“找人看看”，至今没有维修。",
        "amount": "3800.00", "desired": "对方修复卫生间防水层，并承担我家天花板重新粉刷的费用。",
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept"],
    },
    {
        "state": "filed", "grid": 2, "category": "neighbourhood",
        "title": "楼下商铺深夜装修施工噪音扰民",
        "description": "小区临街一楼的商铺近一周每天晚上十点后还在切割瓷砖、电钻打孔，一直持续到凌晨，"
        "家里老人和孩子都无法休息。",
        "desired": "商铺把施工时间限制在早八点到晚六点之间。",
        "steps": [],
    },
    {
        "state": "awaiting_response", "grid": 3, "category": "neighbourhood",
        "title": "邻居长期在楼道堆放杂物阻碍通行",
        "description": "对门邻居在楼道里堆放旧家具、纸箱和电动车电池，占了大半个楼道，既影响通行，也有"
        "消防隐患。口头提醒过几次，对方不予理会。",
        "desired": "清理楼道杂物，今后不再堆放。",
        "steps": ["accept"], "texts": {"accept": "楼道堆物存在消防隐患，予以受理，已通知被申请人。"},
    },
    {
        "state": "withdrawn", "grid": 5, "category": "neighbourhood",
        "title": "邻居家的狗夜间持续吠叫影响休息",
        "description": "隔壁邻居养了两只大型犬，白天关在阳台，每天夜里吠叫一两个小时，已经持续一个多月。",
        "desired": "邻居采取措施管好宠物，夜间不再扰民。",
        "steps": ["accept", "respondent_accept", "withdraw"],
        "texts": {"withdraw": "邻居已经把狗送回老家，双方自行协商解决了。"},
    },
    {
        "state": "mediator_assigned", "grid": 4, "category": "neighbourhood",
        "title": "空调外机正对我家卧室窗户",
        "description": "楼下新装的空调外机安装在我家卧室窗户正下方，夏天热风和噪音直接进屋，晚上开不了窗。",
        "desired": "对方把空调外机移到不影响他人的位置。",
        "steps": ["accept", "respondent_accept", "assign"],
    },
    {
        "state": "rejected", "grid": 6, "category": "neighbourhood",
        "title": "邻居私自在公共绿地种菜搭棚",
        "description": "一楼住户把楼前公共绿地围起来种菜，还用竹竿和塑料布搭了棚子，施肥时气味很大。",
        "desired": "拆除菜地和棚架，恢复绿地。",
        "steps": ["reject"],
        "texts": {
            "reject": "毁绿种菜、私搭棚架属于城市管理执法事项，不属于人民调解受理范围。",
            "referral": "请拨打12345市长热线，或向西湖区综合行政执法局灵隐中队反映。",
        },
    },
    {
        "state": "escalated", "grid": 7, "category": "neighbourhood",
        "title": "楼上住户高空抛物砸坏电动车",
        "description": "我停在楼下的电动车被楼上扔下的花盆砸坏，车筐和仪表盘碎裂。当时孩子刚从旁边走过，"
        "非常危险。楼上几户都不承认。",
        "amount": "1200.00", "desired": "查明抛物住户，赔偿维修费用并保证不再发生。",
        "steps": ["escalate"],
        "texts": {"escalate": "高空抛物涉及人身安全且需调取监控、多户排查，提请街道协调处理。"},
    },
    {
        "state": "awaiting_mediator", "grid": 8, "category": "neighbourhood",
        "title": "相邻两户共用围墙倒塌修缮费用分摊争议",
        "description": "我家和隔壁院子之间的共用围墙在台风后倒塌了一段，对方认为是我家种树根系造成的，"
        "拒绝分摊修缮费用。",
        "amount": "6000.00", "desired": "双方各承担一半修缮费用。",
        "steps": ["accept", "respondent_accept"],
    },
    # --- tenancy (租赁纠纷) -------------------------------------------------------------
    {
        "state": "closed", "grid": 1, "category": "tenancy",
        "title": "退租后房东拒不退还押金",
        "description": "我租住的一室户合同到期正常退租，房屋没有损坏，房东以“墙面有钉孔、需要重新刷墙”为由"
        "扣下全部押金4500元。",
        "amount": "4500.00", "desired": "房东全额退还押金。",
        "steps": ["accept", "respondent_decline", "take_case", "conclude"],
        "texts": {
            "respondent_decline": "墙面损坏确实存在，押金用于修复，不同意调解。",
            "conclude": "经街道调解中心实地查看，钉孔属正常使用痕迹，房东同意退还押金4000元，扣除保洁费500元。",
        },
        "outcome": "adjudicated",
    },
    {
        "state": "case_handling", "grid": 2, "category": "tenancy",
        "title": "房东提前收回房屋未给予任何补偿",
        "description": "租期还有八个月，房东说要卖房，限我们一周内搬走，只退剩余房租，不肯按合同支付违约金。",
        "amount": "8000.00", "desired": "按合同约定支付一个月房租作为违约金，并给予合理的搬家时间。",
        "steps": ["escalate", "take_case"],
        "texts": {"escalate": "房东明确拒绝调解，涉及违约金计算，提请街道处理。"},
    },
    {
        "state": "in_mediation", "grid": 5, "category": "tenancy",
        "title": "租客拖欠三个月房租",
        "description": "我把玉泉路的一套两居室出租，租客从七月起没有交房租，电话经常不接，已拖欠三个月共"
        "15600元。",
        "amount": "15600.00", "desired": "租客结清欠租，或协商解除合同并搬离。",
        "steps": ["accept", "respondent_accept", "assign_by_hand", "mediator_accept"],
    },
    {
        "state": "awaiting_response", "grid": 6, "category": "tenancy",
        "title": "出租屋热水器损坏房东拒绝维修",
        "description": "入住两个月热水器就坏了，维修师傅说是老化，需要更换。房东说是我使用不当，让我自己出钱。",
        "amount": "1800.00", "desired": "房东更换热水器。",
        "steps": ["accept"],
    },
    {
        "state": "escalated", "grid": 3, "category": "tenancy",
        "title": "二房东转租未告知房东，租客被要求搬离",
        "description": "我从二房东手里租了一间房，交了半年租金。现在实际房东找上门，说从没同意转租，要求我"
        "马上搬走，二房东却联系不上。",
        "amount": "9600.00", "desired": "二房东退还剩余租金和押金。",
        "steps": ["accept", "respondent_decline"],
        "texts": {"respondent_decline": "我和实际房东的合同还没到期，这事与我无关。"},
    },
    {
        "state": "withdrawn", "grid": 4, "category": "tenancy",
        "title": "合租室友退租后拒绝分摊水电燃气费",
        "description": "合租室友上个月搬走，最后两个月的水电燃气费共860元一直不肯分摊。",
        "amount": "430.00", "desired": "室友承担一半费用430元。",
        "steps": ["withdraw"], "texts": {"withdraw": "室友已经把钱转给我了。"},
    },
    # --- consumer (消费纠纷) -----------------------------------------------------------
    {
        "state": "in_mediation", "grid": 1, "category": "consumer",
        "title": "装修队拖延工期并使用劣质材料",
        "description": "家里装修合同约定60天完工，现在已经过去95天还没完工，而且卫生间用的防水涂料不是合同"
        "约定的品牌。装修队负责人说材料差不多。",
        "amount": "20000.00", "desired": "按合同赔偿延期违约金，并更换为约定品牌的防水材料。",
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "replace_mediator", "assign_other",
                  "mediator_accept"],
        "texts": {"replace_mediator": "申请人提出原调解员与装修队负责人系同村熟人，申请回避。"},
    },
    {
        "state": "rejected", "grid": 7, "category": "consumer",
        "title": "健身房闭店后拒绝退还会员卡余额",
        "description": "我在小区附近健身房办了两年的会员卡，才用了五个月健身房就关门了，老板说没钱退。",
        "amount": "3600.00", "desired": "退还剩余会员费。",
        "steps": ["reject"],
        "texts": {
            "reject": "该纠纷已由多名会员向西湖区人民法院起诉并已立案，依法不再受理人民调解申请。",
            "referral": "可联系已立案的会员代表，申请作为共同原告参加诉讼。",
        },
    },
    {
        "state": "awaiting_mediator", "grid": 2, "category": "consumer",
        "title": "培训机构拒绝按约定退还剩余课时费",
        "description": "给孩子报了48节英语课，上了12节后孩子不想上了，合同写明可以按剩余课时退费，机构却只"
        "同意转课，不同意退钱。",
        "amount": "7200.00", "desired": "按合同退还36节课的课时费。",
        "steps": ["accept", "respondent_accept", "assign", "mediator_decline"],
        "texts": {"mediator_decline": "本人孩子也在该机构上课，为避免利益冲突，申请回避。"},
    },
    {
        "state": "filed", "grid": 8, "category": "consumer", "by_grid_worker": True,
        "title": "网购家具送货后发现开裂，商家推诿",
        "description": "（网格员代为登记）申请人年近八十，不会用手机。子女帮忙网购的实木餐桌送到家后桌面开裂，"
        "商家说是运输问题让找物流，物流说包装完好让找商家。",
        "amount": "2680.00", "desired": "商家换货或退款。",
        "steps": [],
    },
    {
        "state": "mediator_assigned", "grid": 6, "category": "consumer",
        "title": "美容院办卡后服务缩水要求退款",
        "description": "办卡时承诺每次护理90分钟、用进口产品，现在每次只有40分钟，产品也换了。要求退卡被拒。",
        "amount": "5000.00", "desired": "退还卡内余额。",
        "steps": ["accept", "respondent_accept", "assign"],
    },
    {
        "state": "closed", "grid": 5, "category": "consumer",
        "title": "二手车商隐瞒事故车情况",
        "description": "在二手车行买的车，开了一个月去4S店保养，才知道车辆发生过严重碰撞，车行当时保证"
        "“无事故”。",
        "amount": "35000.00", "desired": "退车退款，或赔偿差价。",
        "steps": ["escalate", "take_case", "conclude"],
        "texts": {
            "escalate": "涉嫌经营欺诈，金额较大，提请上级处理。",
            "conclude": "涉嫌消费欺诈，已移交西湖区市场监督管理局立案调查，并告知申请人可同时提起诉讼。",
        },
        "outcome": "referred_department",
        "referred_to": "西湖区市场监督管理局",
    },
    {
        "state": "filed", "grid": 1, "category": "consumer",
        "title": "在餐馆就餐后全家腹泻",
        "description": "周末在小区门口的餐馆吃饭，当晚全家四口都上吐下泻，去医院看了急诊，花了医药费1100多元。"
        "餐馆说不一定是他们的问题。",
        "amount": "1160.00", "desired": "餐馆承担医药费并道歉。",
        "steps": [],
    },
    # --- labour (劳动纠纷) -------------------------------------------------------------
    {
        "state": "case_handling", "grid": 3, "category": "labour",
        "title": "装修工地拖欠农民工工资",
        "description": "我们六个人跟着包工头在葛岭一带做装修，干了三个月，包工头说业主没结款，一直拖着"
        "工资不发，共欠我们十二万多。",
        "amount": "123600.00", "desired": "尽快结清拖欠的工资。",
        "steps": ["escalate", "take_case", "return_to_mediation", "assign_street", "mediator_accept",
                  "fail_mediation", "take_case"],
        "texts": {
            "escalate": "涉及多名农民工，金额较大，提请街道处理。",
            "return_to_mediation": "包工头表示愿意协商，交由街道人民调解委员会调解。",
            "fail_mediation": "包工头称资金链断裂，无力支付，双方差距过大，调解不成。",
        },
    },
    {
        "state": "closed", "grid": 4, "category": "labour",
        "title": "餐饮店辞退员工未支付经济补偿",
        "description": "我在餐馆做了四年厨师，老板以生意不好为由口头通知我第二天不用来了，没有任何补偿。",
        "amount": "28000.00", "desired": "按工作年限支付经济补偿金。",
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "fail_mediation", "take_case",
                  "conclude"],
        "texts": {
            "fail_mediation": "老板只同意支付一个月工资，双方分歧较大。",
            "conclude": "已引导申请人向西湖区劳动人事争议仲裁委员会申请仲裁，并告知仲裁时效。",
        },
        "outcome": "referred_arbitration",
        "referred_to": "西湖区劳动人事争议仲裁委员会",
    },
    {
        "state": "escalated", "grid": 5, "category": "labour",
        "title": "快递网点克扣派件员工资",
        "description": "网点以“客户投诉”“超时派送”为名，每月从我的工资里扣一两千元，既没有证据也没有"
        "事先告知。",
        "amount": "9800.00", "desired": "退还被扣的工资，今后按规定发放。",
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "fail_mediation"],
        "texts": {"fail_mediation": "网点负责人坚持扣款合理，拒绝出示扣款依据，调解无法继续。"},
    },
    {
        "state": "in_mediation", "grid": 7, "category": "labour",
        "title": "家政服务员工作中受伤雇主拒绝承担医药费",
        "description": "我在雇主家做保洁时从梯子上摔下来，手腕骨折，医药费花了八千多元，雇主说是我自己不小心。",
        "amount": "8600.00", "desired": "雇主承担医药费和误工费。",
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept"],
    },
    {
        "state": "rejected", "grid": 8, "category": "labour",
        "title": "物流公司未足额缴纳社会保险",
        "description": "公司一直按最低基数给我们交社保，和实际工资相差很多。",
        "desired": "公司按实际工资补缴社保。",
        "steps": ["reject"],
        "texts": {
            "reject": "社会保险费的征缴属于行政监察事项，不属于人民调解受理范围。",
            "referral": "请向西湖区人力资源和社会保障局劳动保障监察大队投诉，或拨打12333咨询。",
        },
    },
    {
        "state": "awaiting_response", "grid": 1, "category": "labour",
        "title": "试用期内被无故辞退",
        "description": "我在一家公司试用期第二个月被通知辞退，公司没有说明理由，也没有证明我不符合录用条件。",
        "amount": "6500.00", "desired": "公司支付赔偿金。",
        "steps": ["accept"],
    },
    # --- family (婚姻家庭纠纷) ---------------------------------------------------------
    {
        "state": "in_mediation", "grid": 2, "category": "family",
        "title": "兄弟姐妹之间因母亲赡养费用分摊发生争执",
        "description": "母亲今年住院做了手术，费用都是我垫付的。对方认为母亲一直跟我住、老房子也给了我，不肯"
        "分摊。",
        "amount": "24000.00", "desired": "子女平均分摊母亲的医疗和护理费用。",
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept"],
    },
    {
        "state": "closed", "grid": 6, "category": "family",
        "title": "父母遗留老房子的继承分配纠纷",
        "description": "父母去世后留下一套老房子，没有遗嘱。弟弟一家一直住着，不同意卖房分钱，也不同意补偿"
        "其他兄弟姐妹。",
        "desired": "按法定继承平均分配，或由居住方给予补偿。",
        "steps": ["accept", "respondent_decline", "take_case", "conclude"],
        "texts": {
            "respondent_decline": "房子是父母生前口头答应给我的，不同意分。",
            "conclude": "双方对遗产范围和口头遗嘱效力争议较大，已告知申请人向西湖区人民法院提起继承诉讼。",
        },
        "outcome": "referred_court",
        "referred_to": "杭州市西湖区人民法院",
    },
    {
        "state": "awaiting_mediator", "grid": 4, "category": "family",
        "title": "离婚后探视孩子的时间安排争议",
        "description": "离婚协议约定我每两周可以接孩子一个周末，但对方经常以孩子要上兴趣班为由拒绝。",
        "desired": "明确固定的探视时间并遵守。",
        "steps": ["escalate", "take_case", "return_to_mediation"],
        "texts": {
            "escalate": "双方情绪激烈，社区调解难以开展，提请街道处理。",
            "return_to_mediation": "经街道谈话，双方情绪已平复，同意由街道调解委员会继续调解。",
        },
    },
    {
        "state": "withdrawn", "grid": 3, "category": "family",
        "title": "婆媳矛盾导致家庭关系紧张",
        "description": "婆婆和我在带孩子的方式上矛盾很深，经常争吵，丈夫夹在中间。希望有人帮我们调解。",
        "desired": "明确带孩子的分工，改善家庭关系。",
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "withdraw"],
        "texts": {"withdraw": "经过调解员两次谈心，家里已经和好了，谢谢。"},
    },
    {
        "state": "mediator_assigned", "grid": 8, "category": "family",
        "title": "子女长期不探望老人，老人要求支付赡养费",
        "description": "我今年七十六岁，独居。儿子在外地工作，三年没回来过，也不给生活费。",
        "amount": "18000.00", "desired": "儿子每月支付赡养费1500元，并定期回家探望。",
        "steps": ["accept", "respondent_accept", "assign"],
    },
    # --- property management (物业纠纷) -----------------------------------------------
    {
        "state": "filed", "grid": 4, "category": "property-management",
        "title": "物业收取停车费标准不公开",
        "description": "小区地面停车费从每月150元涨到300元，物业没有公示收费依据，也没有征求业主意见。",
        "desired": "物业公开收费依据和停车费收支情况。",
        "steps": [],
    },
    {
        "state": "escalated", "grid": 1, "category": "property-management",
        "title": "电梯频繁故障，物业维修不及时",
        "description": "我们楼的电梯一个月内困人三次，每次报修都要等一个多小时，楼里有多位行动不便的老人。",
        "desired": "物业尽快检修或更换电梯主要部件，并公布维保记录。",
        "steps": ["accept", "escalate"],
        "texts": {"escalate": "涉及全楼住户人身安全，需协调市场监管部门检验，提请街道处理。"},
    },
    {
        "state": "awaiting_mediator", "grid": 5, "category": "property-management",
        "title": "物业擅自将公共区域出租做广告",
        "description": "电梯轿厢和小区大门口都装了广告屏，物业收取的广告费从来没有向业主公布。",
        "desired": "公开广告收益，并按规定归入业主共有资金。",
        "steps": ["accept", "respondent_accept"],
    },
    {
        "state": "case_handling", "grid": 7, "category": "property-management",
        "title": "物业以欠费为由停用业主门禁卡",
        "description": "我因为对物业服务不满暂缓交物业费，物业直接停用了我家的门禁卡，家里老人出入很不方便。",
        "desired": "恢复门禁卡，就服务问题和物业费另行协商。",
        "steps": ["accept", "respondent_decline", "take_case"],
        "texts": {"respondent_decline": "业主欠费在先，不同意调解。"},
    },
    {
        "state": "in_mediation", "grid": 6, "category": "property-management",
        "title": "地下车库渗水导致车辆受损",
        "description": "连续暴雨后地下车库积水，我的车被泡到车门下沿，维修花了一万多元。物业说是天灾。",
        "amount": "12800.00", "desired": "物业承担部分维修费用，并修缮车库排水。",
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept"],
    },
    {
        "state": "closed", "grid": 2, "category": "property-management",
        "title": "小区监控失灵导致电动车被盗",
        "description": "我的电动车在小区车棚被盗，调监控时物业说车棚那路摄像头坏了一个多月。",
        "amount": "3200.00", "desired": "物业赔偿电动车损失。",
        "steps": ["escalate", "take_case", "conclude"],
        "texts": {
            "escalate": "物业拒绝到场协商，提请街道处理。",
            "conclude": "经查物业已在车棚张贴安全提示并安排夜间巡逻，赔偿请求依据不足，不予支持；已建议报警追查。",
        },
        "outcome": "dismissed",
    },
    # --- other (其他纠纷) --------------------------------------------------------------
    {
        "state": "escalated", "grid": 8, "category": "other",
        "title": "楼道内电动车充电起火殃及邻居",
        "description": "邻居把电动车推进楼道充电，夜里电池起火，烧坏了我家的入户门和鞋柜，烟熏了整个客厅。",
        "amount": "16000.00", "desired": "邻居赔偿门、家具和清洁费用。",
        "steps": ["accept", "respondent_decline"],
        "texts": {"respondent_decline": "起火原因还没鉴定出来，等保险公司定损。"},
    },
    {
        "state": "awaiting_response", "grid": 7, "category": "other",
        "title": "私家车位被他人长期占用",
        "description": "我买的地下车位经常被同一辆车占用，联系车主多次都说下次注意，之后照样停。",
        "desired": "对方不再占用我的车位。",
        "steps": ["accept"],
    },
    {
        "state": "mediator_assigned", "grid": 3, "category": "other",
        "title": "遛狗不牵绳，孩子被咬伤",
        "description": "我儿子在小区花园玩耍时被一只没牵绳的狗咬伤小腿，打了狂犬疫苗和免疫球蛋白。",
        "amount": "3500.00", "desired": "狗主人承担医疗费用并赔礼道歉。",
        "steps": ["accept", "respondent_accept", "assign"],
    },
    {
        "state": "filed", "grid": 6, "category": "other",
        "title": "朋友借款逾期不还",
        "description": "去年朋友说做生意周转，向我借了5万元，约定半年归还，有借条。到期后多次催要，一直拖延。",
        "amount": "50000.00", "desired": "归还借款本金。",
        "steps": [],
    },
    {
        "state": "awaiting_mediator", "grid": 1, "category": "other",
        "title": "电动自行车与行人相撞的赔偿争议",
        "description": "我在小区门口步行时被一辆电动自行车撞倒，膝盖韧带拉伤。骑车人承认撞了人，但对赔偿金额"
        "有异议。",
        "amount": "7800.00", "desired": "赔偿医疗费、误工费和护理费。",
        "steps": ["accept", "respondent_accept"],
    },
    {
        "state": "withdrawn", "grid": 8, "category": "other",
        "title": "广场舞音响音量过大影响居民休息",
        "description": "每天晚上七点到九点半，楼下广场的广场舞音响开得非常大，关着窗户也听得清清楚楚。",
        "desired": "降低音量，九点前结束。",
        "steps": ["accept", "withdraw"], "texts": {"withdraw": "舞蹈队已经主动换了场地。"},
    },
    {
        "state": "case_handling", "grid": 5, "category": "neighbourhood",
        "title": "楼上装修拆改承重墙",
        "description": "楼上在装修中打掉了客厅的一段墙体，我家天花板随后出现裂缝。物业说可能是承重墙，"
        "但对方不让进门查看。",
        "desired": "立即停工，请专业机构鉴定，恢复原状。",
        "steps": ["escalate", "take_case"],
        "texts": {"escalate": "可能危及房屋结构安全，需要住建部门鉴定，提请上级处理。"},
    },
    # --- settlements (调解协议) ---------------------------------------------------------
    {
        "state": "awaiting_signatures", "grid": 2, "category": "neighbourhood",
        "title": "空调外机滴水溅湿楼下晾晒衣物",
        "description": "楼上空调外机冷凝水直接滴在我家阳台雨棚上，晾晒的衣物经常被弄脏，沟通多次未改。",
        "desired": "加装冷凝水管，引到排水口。",
        "settlement": {"terms": ["被申请人于一周内为空调外机加装冷凝水管并引至排水口。", "双方今后友好相处，再无争议。"],
                       "performance_method": "被申请人自行安装", "performance_deadline": "2026-12-15"},
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "propose"],
    },
    {
        "state": "awaiting_signatures", "grid": 5, "category": "tenancy",
        "title": "退租时押金被扣除过多",
        "description": "租期届满退租，房东以墙面有污渍为由扣了2000元押金中的1500元，我认为是正常使用痕迹。",
        "amount": "1500.00", "desired": "退还被扣押金。",
        "settlement": {"terms": ["被申请人退还申请人押金1000元。", "申请人放弃其余请求。"], "amount": "1000.00",
                       "performance_method": "银行转账", "performance_deadline": "2026-12-10"},
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "propose", "sign_claimant"],
    },
    {
        "state": "awaiting_signatures", "grid": 1, "category": "consumer",
        "title": "健身房倒闭后拒不退还预付会员费",
        "description": "我在小区旁的健身房办了两年会员卡，用了三个月健身房就关门了，老板说可以转到另一家店，"
        "但那家店离我家很远。",
        "amount": "4200.00", "desired": "退还剩余会员费。",
        "settlement": {"terms": ["被申请人分两期退还申请人会员费共计3000元。", "第一期1500元于2026年12月31日前支付，"
                       "第二期1500元于2027年1月31日前支付。"], "amount": "3000.00",
                       "performance_method": "微信转账", "performance_deadline": "2027-01-31"},
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "propose", "sign_claimant",
                  "decline_settlement", "propose"],
        "texts": {"decline_settlement": "一次性退还有困难，希望分期。"},
    },
    {
        "state": "settled", "grid": 2, "category": "family",
        "title": "兄弟之间赡养父母费用分摊",
        "description": "父亲住院期间的医疗费和护工费都是我一人承担，弟弟认为自己工作在外地，不应平摊。",
        "amount": "24000.00", "desired": "弟弟承担一半费用。",
        "settlement": {"terms": ["被申请人于2026年12月31日前向申请人支付父亲住院费用分摊款10000元。",
                       "今后父母的医疗费用由双方各承担一半。"], "amount": "10000.00",
                       "performance_method": "银行转账", "performance_deadline": "2026-12-31"},
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "propose", "sign_claimant", "sign_respondent",
                  "sign_mediator"],
    },
    {
        "state": "settled", "grid": 7, "category": "labour",
        "title": "小饭馆拖欠帮工两个月工资",
        "description": "我在巷口的小饭馆做帮工，老板拖欠九月和十月两个月工资共8000元。",
        "amount": "8000.00", "desired": "结清工资。",
        "settlement": {"terms": ["被申请人于2026年12月20日前一次性支付申请人工资8000元。"], "amount": "8000.00",
                       "performance_method": "现金或银行转账", "performance_deadline": "2026-12-20"},
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "propose", "sign_claimant", "sign_respondent",
                  "sign_mediator"],
    },
    {
        "state": "settled", "grid": 4, "category": "neighbourhood",
        "title": "宠物狗咬伤邻居小孩",
        "description": "邻居家的狗没有拴绳，在楼道里咬伤了我家孩子的小腿，打了狂犬疫苗，花费医药费1260元。",
        "amount": "1260.00", "desired": "赔偿医药费并道歉。",
        "settlement": {"terms": ["被申请人赔偿申请人医药费、交通费共计1500元。", "被申请人向申请人赔礼道歉，今后遛狗一律拴绳。"],
                       "amount": "1500.00", "performance_method": "当面支付", "performance_deadline": "2026-12-05"},
        "steps": ["accept", "respondent_accept", "assign", "mediator_accept", "propose", "sign_claimant", "sign_respondent",
                  "sign_mediator"],
    },
]
# fmt: on
