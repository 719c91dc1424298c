"""A judged set of requests around the Qingxi square and the offer a coordinator would pick for
each, with the small world they live in.

The quality test (``test_quality.py``) and ``bench/matching.py`` both load this world into a
database, build the search index, post each case's request and look at where its expected offer
ranks in ``marketplace.matching.services.find_matches``. Nothing here runs at import time.

The world: the subdistrict with Qingxi village (three grids, the health square and its five
zones, the skills and resources stations) and three other communities. Offers come in small
clusters on one topic, placed so that the right answer depends on distance, time, quantity or
the owner's record and not only on the words:

- the best text match is often in another community, while a plainer one is next door;
- some offers expire within hours, or have their only slot or pick-up window after the request's
  deadline, and must lose to a slightly worse match that can actually be had;
- requests for help only match skills, requests for things only match items and donations;
- a few requests are in English, some offers carry English and Chinese words.

A handful of offers are not public (pending review, withdrawn, all claimed): no case may ever
see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# 2026-12-01 10:00 in Qingxi: the moment the tests freeze the clock at.
NOW = datetime.fromisoformat("2026-12-01T02:00:00+00:00")

# (key, kind, name, parent key)
PLACES: tuple[tuple[str, str, str, str | None], ...] = (
    ("diaozhuang", "subdistrict", "雕庄街道", None),
    ("qingxi", "community", "清溪村", "diaozhuang"),
    ("grid1", "grid", "清溪村第一网格", "qingxi"),
    ("square", "space", "清溪村健康广场", "grid1"),
    ("fitness", "zone", "健身活动区", "square"),
    ("kids", "zone", "儿童游乐区", "square"),
    ("talk", "zone", "休闲议事区", "square"),
    ("health", "zone", "健康科普区", "square"),
    ("market", "zone", "共享集市区", "square"),
    ("grid2", "grid", "清溪村第二网格", "qingxi"),
    ("hall", "space", "村委会活动室", "grid2"),
    ("grid3", "grid", "清溪村第三网格", "qingxi"),
    ("skills", "station", "技能服务站", "qingxi"),
    ("resources", "station", "资源服务站", "qingxi"),
    ("dz", "community", "雕庄社区", "diaozhuang"),
    ("dz1", "grid", "雕庄社区第一网格", "dz"),
    ("dz2", "grid", "雕庄社区第二网格", "dz"),
    ("cl", "community", "采菱社区", "diaozhuang"),
    ("cl1", "grid", "采菱社区第一网格", "cl"),
    ("hb", "community", "湖滨社区", "diaozhuang"),
    ("hb1", "grid", "湖滨社区第一网格", "hb"),
)


@dataclass(frozen=True)
class Offer:
    key: str
    kind: str  # item | skill | donation
    title: str
    category: str
    tags: tuple[str, ...]
    place: str
    description: str = ""
    mode: str | None = None  # give | lend for items
    quantity: int | None = None
    per_person_limit: int | None = None
    max_lend_days: int | None = None
    # Skills: days ahead of the first slot; donations: of the first pick-up window.
    available_in_days: float = 2
    expires_in_hours: float = 20 * 24
    age_days: float = 2
    # The owner's record: completed exchanges and no-shows.
    owner_completed: int = 2
    owner_no_shows: int = 0
    # Not public: pending review, withdrawn, or everything claimed.
    state: str = "public"


def give(key: str, title: str, category: str, tags: str, place: str, description: str = "", **extra: Any) -> Offer:  # fmt: skip
    return Offer(key, "item", title, category, _tags(tags), place, description, mode="give", quantity=extra.pop("quantity", 1), **extra)  # fmt: skip


def lend(key: str, title: str, category: str, tags: str, place: str, description: str = "", **extra: Any) -> Offer:  # fmt: skip
    return Offer(key, "item", title, category, _tags(tags), place, description, mode="lend", quantity=1, **extra)  # fmt: skip


def skill(key: str, title: str, category: str, tags: str, place: str, description: str = "", **extra: Any) -> Offer:  # fmt: skip
    return Offer(key, "skill", title, category, _tags(tags), place, description, **extra)


def donation(key: str, title: str, category: str, tags: str, place: str, description: str = "", **extra: Any) -> Offer:  # fmt: skip
    return Offer(key, "donation", title, category, _tags(tags), place, description, **extra)


def _tags(text: str) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in text.split(",") if tag.strip())


OFFERS: tuple[Offer, ...] = (
    # Strollers: one in the kids' zone, a better-described one across the subdistrict, and one in
    # the kids' zone too that is taken down tonight.
    give("stroller_kids", "婴儿推车", "baby_kids", "婴儿车, 推车", "kids", "可折叠，孩子大了用不上。"),
    give("stroller_hubin", "九成新婴儿推车 可折叠婴儿车", "baby_kids", "婴儿车, 推车, 母婴", "hb1", "轻便婴儿车，可坐可躺，送给有需要的家庭。"),
    give("stroller_expiring", "婴儿车 婴儿推车 送人", "baby_kids", "婴儿车, 推车, 婴儿推车", "kids", "今晚就下架，婴儿车要的赶紧。", expires_in_hours=8),
    give("stroller_pending", "全新婴儿推车 婴儿车", "baby_kids", "婴儿车, 推车", "kids", "还在等审核。", state="pending"),
    # Drills and ladders, lent.
    lend("drill_market", "冲击电钻出借", "tools", "电钻, 工具", "market", "附钻头一套，用完请清理干净。", max_lend_days=3),
    lend("drill_dz", "博世电钻出借 电钻 冲击钻", "tools", "电钻, 冲击钻, 工具", "dz2", "博世专业电钻，打孔装窗帘杆都行。", max_lend_days=3),
    lend("ladder_grid3", "折叠梯出借", "tools", "梯子, 工具", "grid3", "两米铝合金人字梯，换灯泡、贴春联都用得上。", max_lend_days=2),
    lend("ladder_cl", "铝合金人字梯 梯子出借", "tools", "梯子, 人字梯", "cl1", "三米梯子，清理屋檐也够高。", max_lend_days=2),
    # Rice from merchants: one at the resources station soon, one in the market zone only next
    # week, one in Hubin.
    donation("rice_resources", "爱心大米", "food", "大米, 粮油, 捐赠", "resources", "清溪便民超市捐赠五公斤装大米，每户限领一袋。rice", quantity=30, per_person_limit=1, available_in_days=1),
    donation("rice_late", "大米捐赠 五公斤大米", "food", "大米, 捐赠", "market", "下周集市日发放的大米，每户一袋。", quantity=30, per_person_limit=1, available_in_days=8),
    donation("rice_hubin", "爱心大米 粮油", "food", "大米, 粮油", "hb1", "湖滨超市捐赠，困难家庭优先。", quantity=20, per_person_limit=1, available_in_days=1),
    donation("oil_resources", "食用油（五升）", "food", "食用油, 粮油", "resources", "困难家庭优先，每户一桶。", quantity=12, per_person_limit=1, available_in_days=3),
    donation("oil_hubin", "花生油 食用油捐赠", "food", "食用油, 花生油", "hb1", "每户一桶。", quantity=10, per_person_limit=1, available_in_days=2),
    # Milk: plenty in one donation, a single box left in another, and one that is all claimed.
    donation("milk_market", "临期牛奶", "food", "牛奶, 食品", "market", "保质期还有十天的纯牛奶，每人最多两箱。", quantity=20, per_person_limit=2, available_in_days=1),
    donation("milk_last_box", "纯牛奶 牛奶一箱", "food", "牛奶, 纯牛奶", "market", "只剩最后一箱牛奶。", quantity=1, per_person_limit=1, available_in_days=1),
    donation("milk_gone", "纯牛奶 牛奶捐赠", "food", "牛奶", "market", "已经领完了。", quantity=10, per_person_limit=2, available_in_days=1, state="reserved"),
    # Haircuts: the station soon, Hubin tomorrow, the talk zone only in twelve days.
    skill("haircut_station", "老人免费理发", "beauty", "理发, 助老, 义剪", "skills", "每周为六十岁以上老人免费理发，请按时段预约。", available_in_days=2),
    skill("haircut_hubin", "上门理发 理发", "beauty", "理发, 上门", "hb1", "行动不便的老人可以上门理发。", available_in_days=1),
    skill("haircut_late", "义务理发 理发剪发", "beauty", "理发, 义剪", "talk", "下个月的义剪活动。", available_in_days=12),
    # Tutoring.
    skill("math_station", "小学数学作业辅导", "tutoring", "辅导, 数学, 小学", "skills", "退休教师，周末下午辅导小学数学。", available_in_days=3),
    skill("math_dz", "数学辅导 小学数学 初中数学", "tutoring", "数学, 辅导", "dz1", "师范生，数学辅导，小学初中都可以。", available_in_days=2),
    skill("english_talk", "English conversation practice", "tutoring", "english, 口语, lessons", "talk", "Friendly English conversation lessons for teenagers and adults.", available_in_days=6),
    skill("english_caling", "初中英语辅导 English tutoring", "tutoring", "英语, 辅导, english", "cl1", "英语专业毕业，辅导初中英语和口语。", available_in_days=4),
    # Bicycles, and mending them.
    give("bike_kids", "儿童自行车", "baby_kids", "自行车, 儿童", "grid2", "十六寸儿童自行车，带辅助轮。"),
    lend("bike_lend", "自行车出借 bicycle", "transport", "自行车, bicycle", "grid2", "A city bicycle to borrow for up to a week.", max_lend_days=7),
    skill("bike_repair", "自行车修理", "repair", "自行车, 修车, 补胎", "market", "补胎、调刹车、上链条。", available_in_days=2),
    # Health and elderly care.
    lend("bp_health", "血压计出借", "health", "血压计, 健康, 老人", "health", "电子血压计，自测方便，借用一周。", max_lend_days=7),
    give("bp_dz", "电子血压计 血压计", "health", "血压计", "dz1", "多买了一台电子血压计。"),
    give("wheelchair_health", "轮椅（可折叠）", "elderly_care", "轮椅, 助老, 康复", "health", "家里老人康复后不用了，刹车正常。"),
    give("wheelchair_hubin", "折叠轮椅 轮椅", "elderly_care", "轮椅, 折叠轮椅", "hb1", "九成新轮椅。"),
    skill("phone_talk", "智能手机使用教学", "elderly_care", "手机, 助老, 微信", "talk", "教老人用微信视频、扫码付款、挂号。", available_in_days=5),
    skill("phone_caling", "教老人用手机 微信视频", "elderly_care", "手机, 微信", "cl1", "手把手教微信视频通话。", available_in_days=2),
    donation("masks_health", "一次性医用口罩", "health", "口罩, 防护", "health", "药店捐赠，每人一盒。", quantity=40, per_person_limit=1, available_in_days=1),
    give("masks_dz", "口罩 医用口罩 一盒", "health", "口罩", "dz1", "家里多的一盒口罩。"),
    # Household.
    give("cooker_market", "美的电饭煲 九成新", "household", "电饭煲, 厨房", "market", "4升容量，功能正常，内胆没有划痕。"),
    give("cooker_dz", "闲置电饭煲 电饭煲", "household", "电饭煲, 电饭锅", "dz1", "三升容量电饭煲，功能正常，搬家换了新的。"),
    lend("sewing_square", "缝纫机出借", "household", "缝纫机, 手工", "square", "家用缝纫机，会用的邻居可以借去改衣服。", max_lend_days=5),
    give("sewing_dz", "蝴蝶牌缝纫机 缝纫机", "household", "缝纫机", "dz2", "老式脚踏缝纫机。"),
    give("pots_new", "陶瓷花盆", "household", "花盆, 养花", "market", "大小花盆五个，欢迎来挑。", quantity=5, per_person_limit=2, age_days=1),
    give("pots_old", "陶瓷花盆", "household", "花盆, 养花", "market", "大小花盆五个，欢迎来挑。", quantity=5, per_person_limit=2, age_days=60),
    donation("towels_station", "洗发水和毛巾", "household", "洗发水, 毛巾, 日用", "skills", "理发店多出来的洗护用品，送给独居老人。", quantity=15, per_person_limit=1, available_in_days=2),
    # Electronics: two identical radios; one owner often fails to turn up.
    give("radio_reliable", "老式收音机", "electronics", "收音机, 怀旧", "talk", "还能收到本地电台，送给喜欢听戏的老邻居。", owner_completed=12),
    give("radio_no_shows", "老式收音机", "electronics", "收音机, 怀旧", "talk", "还能收到本地电台，送给喜欢听戏的老邻居。", owner_completed=1, owner_no_shows=4),
    skill("appliance_station", "家电小维修", "repair", "维修, 家电, 电风扇", "skills", "电风扇、电饭煲、台灯等小家电检修，零件费自理。", available_in_days=4),
    skill("appliance_hubin", "上门维修家电 洗衣机 空调", "repair", "维修, 洗衣机, 空调", "hb1", "洗衣机、空调上门检修。", available_in_days=1),
    skill("handyman_talk", "帮忙换灯泡、修水龙头", "repair", "换灯泡, 维修, 助老", "talk", "独居老人家里的小活，免费帮忙。", available_in_days=1),
    skill("computer_dz", "电脑维修 重装系统", "electronics", "电脑, 重装系统", "dz1", "电脑慢、中病毒，帮忙重装系统。", available_in_days=2),
    skill("computer_station", "电脑重装系统", "electronics", "电脑, 系统", "skills", "每月一次电脑义诊。", available_in_days=9),
    # Sports and leisure.
    give("yoga_fitness", "瑜伽垫", "sports_leisure", "瑜伽, 健身, 垫子", "fitness", "加厚十毫米，用过几次。"),
    give("yoga_hubin", "加厚瑜伽垫 瑜伽", "sports_leisure", "瑜伽垫, 瑜伽", "hb1", "全新瑜伽垫，买多了。"),
    lend("tent_grid1", "四人帐篷出借 帐篷", "sports_leisure", "帐篷, 露营", "grid1", "明天就下架，要借帐篷的赶紧。", max_lend_days=7, expires_in_hours=10),
    lend("tent_grid2", "帐篷和睡袋", "sports_leisure", "帐篷, 露营, 户外", "grid2", "四人帐篷加两个睡袋，周末露营可借。", max_lend_days=7),
    lend("guitar_talk", "Electric guitar for beginners", "sports_leisure", "guitar, music, 吉他", "talk", "A light electric guitar with a small amplifier.", max_lend_days=14),
    give("guitar_caling", "民谣吉他 吉他", "sports_leisure", "吉他, 乐器", "cl1", "入门民谣吉他，送琴包。"),
    skill("chess_talk", "象棋陪练", "sports_leisure", "象棋, 陪练", "talk", "下午在凉亭下棋，欢迎来切磋。", available_in_days=1),
    give("chess_set", "象棋一副", "sports_leisure", "象棋", "talk", "木质象棋，棋子齐全。"),
    skill("dance_fitness", "广场舞教学", "sports_leisure", "广场舞, 健身, 舞蹈", "fitness", "每周三晚上教基础步伐，零基础也可以。", available_in_days=3),
    skill("dance_hubin", "广场舞教学 广场舞", "sports_leisure", "广场舞, 舞蹈", "hb1", "湖滨广场舞队招新。", available_in_days=2),
    give("dance_speaker", "广场舞音响", "sports_leisure", "广场舞, 音响", "fitness", "蓝牙音响，跳广场舞用。"),
    # Books and children.
    give("books_market", "儿童绘本一箱", "books_education", "绘本, 儿童, 图书", "market", "约三十本，适合三到六岁。"),
    give("books_english", "English picture books", "books_education", "english, books, kids, 绘本", "kids", "Twenty English picture books for young readers."),
    give("books_hubin", "儿童绘本 绘本三十本", "books_education", "绘本, 儿童绘本", "hb1", "绘本三十本，孩子看完了。"),
    donation("stationery_resources", "儿童文具礼包", "books_education", "文具, 儿童, 开学", "resources", "铅笔、橡皮、作业本，开学季送给村里的孩子。", quantity=50, per_person_limit=2, available_in_days=3),
    give("stationery_dz", "文具套装 铅笔 橡皮", "books_education", "文具, 铅笔", "dz2", "没拆封的文具套装。"),
    give("crib_guard", "婴儿床护栏", "baby_kids", "婴儿床, 护栏, 母婴", "kids", "一米五的床可用，安装简单。"),
    give("crib_dz", "实木婴儿床 婴儿床", "baby_kids", "婴儿床", "dz1", "实木婴儿床，带蚊帐。"),
    give("baby_clothes_kids", "婴儿衣服 0到1岁", "clothing", "婴儿, 衣服", "kids", "一岁以内的衣服一袋。"),
    give("baby_clothes_hubin", "宝宝衣服 宝宝童装", "clothing", "宝宝, 衣服, 童装", "hb1", "宝宝衣服一大袋，八成新。"),
    # Clothing.
    give("coat_square", "冬季棉衣两件", "clothing", "棉衣, 冬装, 老人", "square", "女式 XL 码，洗干净了，适合老年人穿。", quantity=2, per_person_limit=1),
    give("coat_caling", "棉衣 冬装棉衣", "clothing", "棉衣, 冬装", "cl1", "男式棉衣一件。"),
    # Transport and help.
    lend("jumper_grid1", "汽车应急启动电源", "transport", "汽车, 搭电, 应急", "grid1", "冬天打不着火可以借去搭电。", max_lend_days=1),
    skill("moving_grid2", "帮忙搬家 有三轮车", "transport", "搬家, 三轮车", "grid2", "周末有空，可以帮忙搬家具。", available_in_days=2),
    # Not public: never suggested.
    give("drill_withdrawn", "电钻 冲击电钻", "tools", "电钻", "grid3", "不借了。", state="withdrawn"),
    # Unrelated offers nearby, for the candidate list to wade through.
    give("sofa", "布艺三人沙发", "household", "沙发, 家具", "grid2", "需要自己找车来搬。"),
    give("microwave", "格兰仕微波炉", "household", "微波炉, 厨房电器", "grid1", "加热正常，自取。"),
    give("heater", "小太阳取暖器", "household", "取暖器, 冬天", "grid1", "冬天烤脚用，有倾倒断电保护。"),
    give("newspapers", "旧报纸一捆", "other", "报纸", "grid3", "可以做手工或者垫桌子。"),
    give("umbrella", "雨伞三把", "household", "雨伞", "market", "商场活动送的。", quantity=3, per_person_limit=1),
    give("toys", "儿童玩具一箱", "baby_kids", "玩具, 儿童", "kids", "积木和小汽车。"),
)  # fmt: skip

OFFERS_BY_KEY = {offer.key: offer for offer in OFFERS}
HIDDEN_OFFERS = frozenset(offer.key for offer in OFFERS if offer.state != "public")


@dataclass(frozen=True)
class Case:
    key: str
    kind: str  # item | skill
    title: str
    category: str
    tags: tuple[str, ...]
    place: str
    expected: str  # key of the offer a coordinator would suggest first
    why: str
    description: str = ""
    needed_in_days: float | None = 14
    urgency: str = "normal"
    quantity_wanted: int = 1


def need(key: str, title: str, category: str, tags: str, place: str, expected: str, why: str, **extra: Any) -> Case:  # fmt: skip
    return Case(key, extra.pop("kind", "item"), title, category, _tags(tags), place, expected, why, **extra)  # fmt: skip


CASES: tuple[Case, ...] = (
    need("stroller_kids", "求婴儿推车", "baby_kids", "婴儿车, 推车", "kids", "stroller_kids", "same zone; the better worded one there is gone tonight", needed_in_days=7),
    need("stroller_hubin", "想要一辆婴儿车", "baby_kids", "婴儿车", "hb1", "stroller_hubin", "same grid in Hubin"),
    need("stroller_english", "Need a baby stroller for two weeks", "baby_kids", "stroller, 婴儿车", "hb1", "stroller_hubin", "English request, Chinese tag, same grid"),
    need("drill_grid3", "需要借一台电钻", "tools", "电钻", "grid3", "drill_market", "same village beats the better worded drill in Diaozhuang"),
    need("drill_dz", "借电钻装窗帘", "tools", "电钻", "dz1", "drill_dz", "same community"),
    need("drill_english", "Looking for a drill", "tools", "drill, 电钻", "dz2", "drill_dz", "English request, same grid"),
    need("ladder_grid3", "想找一把梯子", "tools", "梯子", "grid3", "ladder_grid3", "same grid", description="贴春联用，一天就还。"),
    need("ladder_caling", "借个梯子清理屋檐", "tools", "梯子", "cl1", "ladder_cl", "same grid in Cailing"),
    need("rice_market", "家里缺米，求一袋大米", "food", "大米", "market", "rice_resources", "the rice in the same zone is handed out only after the deadline", needed_in_days=3, urgency="high"),
    need("rice_hubin", "求大米", "food", "大米, 粮油", "hb1", "rice_hubin", "same grid", needed_in_days=5),
    need("rice_english", "Free rice for my family?", "food", "rice, 大米", "resources", "rice_resources", "English request at the station", needed_in_days=4),
    need("oil", "求一桶食用油", "food", "食用油", "grid2", "oil_resources", "same village"),
    need("haircut_talk", "给家里老人理发", "beauty", "理发, 老人", "talk", "haircut_station", "the haircut in the same zone is after the deadline", kind="skill", needed_in_days=5),
    need("haircut_hubin", "想找人理发", "beauty", "理发", "hb1", "haircut_hubin", "same grid", kind="skill"),
    need("math_grid2", "求小学数学辅导", "tutoring", "数学, 辅导", "grid2", "math_station", "same village", kind="skill", needed_in_days=10),
    need("math_dz", "孩子数学需要辅导", "tutoring", "数学", "dz2", "math_dz", "same community", kind="skill"),
    need("english_grid2", "Need an English conversation partner", "tutoring", "english, 口语", "grid2", "english_talk", "English words, same village", kind="skill"),
    need("english_caling", "求初中英语辅导", "tutoring", "英语, 辅导, 初中", "cl1", "english_caling", "same grid", kind="skill"),
    need("english_lessons", "English lessons for my son", "tutoring", "english", "cl1", "english_caling", "English words, same grid", kind="skill"),
    need("bicycle_borrow", "Looking for a bicycle to borrow", "transport", "bicycle, 自行车", "grid2", "bike_lend", "English words and the category", description="I need a bicycle for a week to get to the station."),
    need("kids_bicycle", "求儿童自行车", "baby_kids", "自行车, 儿童", "grid2", "bike_kids", "words and category"),
    need("bike_repair", "自行车爆胎了，求补胎", "repair", "补胎, 自行车", "grid1", "bike_repair", "help needed: skills only, not bicycles", kind="skill", needed_in_days=5),
    need("bp_dz", "需要血压计", "health", "血压计", "dz1", "bp_dz", "same grid"),
    need("bp_talk", "借血压计给老人测血压", "health", "血压计, 老人", "talk", "bp_health", "same square"),
    need("wheelchair_grid1", "需要一台轮椅", "elderly_care", "轮椅", "grid1", "wheelchair_health", "same grid", urgency="high", needed_in_days=3),
    need("wheelchair_hubin", "求折叠轮椅", "elderly_care", "轮椅", "hb1", "wheelchair_hubin", "same grid"),
    need("phone_talk", "求教用智能手机", "elderly_care", "手机, 微信", "talk", "phone_talk", "same zone", kind="skill", needed_in_days=10),
    need("phone_caling", "想学用微信视频", "elderly_care", "微信, 视频", "cl1", "phone_caling", "same grid", kind="skill"),
    need("masks", "求口罩", "health", "口罩", "health", "masks_health", "same zone; a donation meets a request for things"),
    need("cooker_grid2", "求一个电饭煲", "household", "电饭煲", "grid2", "cooker_market", "same village"),
    need("cooker_dz", "电饭煲坏了，求一个", "household", "电饭煲", "dz2", "cooker_dz", "same community"),
    need("sewing", "想借缝纫机改裤脚", "household", "缝纫机", "fitness", "sewing_square", "same square"),
    need("pots", "求几个花盆", "household", "花盆", "talk", "pots_new", "the same pots, posted more recently", quantity_wanted=2),
    need("towels", "独居老人需要毛巾", "household", "毛巾", "talk", "towels_station", "only towels"),
    need("radio", "想要一台收音机听戏", "electronics", "收音机", "talk", "radio_reliable", "identical radios; the other owner often does not turn up"),
    need("fan_repair", "电风扇不转了，求维修", "repair", "电风扇, 维修", "grid3", "appliance_station", "same village", kind="skill"),
    need("washer_repair", "洗衣机坏了找人修", "repair", "洗衣机, 维修", "hb1", "appliance_hubin", "same grid", kind="skill"),
    need("lightbulb", "需要有人帮忙换灯泡", "repair", "换灯泡, 维修", "talk", "handyman_talk", "help, not ladders", kind="skill", needed_in_days=3, urgency="high"),
    need("computer", "电脑很慢想重装系统", "electronics", "电脑, 重装系统", "grid1", "computer_dz", "the station's session is after the deadline", kind="skill", needed_in_days=5),
    need("yoga_fitness", "求瑜伽垫", "sports_leisure", "瑜伽垫", "fitness", "yoga_fitness", "same zone"),
    need("yoga_hubin", "想要瑜伽垫", "sports_leisure", "瑜伽", "hb1", "yoga_hubin", "same grid"),
    need("tent", "周末露营想借帐篷", "sports_leisure", "帐篷, 露营", "grid1", "tent_grid2", "the tent in the same grid is taken down today", needed_in_days=6),
    need("guitar_talk", "想学吉他，求一把吉他", "sports_leisure", "吉他", "talk", "guitar_talk", "same zone"),
    need("guitar_english", "Borrow a guitar for a week", "sports_leisure", "guitar", "grid2", "guitar_talk", "English words"),
    need("chess", "找人下象棋", "sports_leisure", "象棋", "talk", "chess_talk", "a partner, not a chess set", kind="skill"),
    need("dance", "想学广场舞", "sports_leisure", "广场舞, 舞蹈", "fitness", "dance_fitness", "same zone", kind="skill"),
    need("dance_hubin", "学跳广场舞", "sports_leisure", "广场舞", "hb1", "dance_hubin", "same grid", kind="skill"),
    need("books_market", "求儿童绘本", "books_education", "绘本, 儿童", "market", "books_market", "same zone"),
    need("books_english", "English picture books for my daughter", "books_education", "english, books", "kids", "books_english", "English words"),
    need("books_hubin", "想要一些绘本", "books_education", "绘本", "hb1", "books_hubin", "same grid"),
    need("stationery", "开学了，孩子需要文具", "books_education", "文具, 开学", "grid3", "stationery_resources", "same village"),
    need("crib_guard", "求婴儿床护栏", "baby_kids", "婴儿床, 护栏", "kids", "crib_guard", "the guard, not a crib"),
    need("baby_clothes", "求宝宝衣服", "clothing", "宝宝, 衣服", "kids", "baby_clothes_kids", "same zone beats the better worded bag in Hubin"),
    need("coat_square", "需要冬季棉衣", "clothing", "棉衣, 冬装", "square", "coat_square", "same square", urgency="high", needed_in_days=7),
    need("coat_caling", "求棉衣", "clothing", "棉衣", "cl1", "coat_caling", "same grid"),
    need("milk", "社区活动求两箱牛奶", "food", "牛奶", "market", "milk_market", "covers both boxes; the other has one left", quantity_wanted=2, needed_in_days=3),
    need("jumper", "车没电了，求搭电", "transport", "搭电, 汽车", "grid1", "jumper_grid1", "same grid", needed_in_days=1, urgency="high"),
    need("moving", "周末搬家需要人手", "transport", "搬家", "grid2", "moving_grid2", "same grid", kind="skill", needed_in_days=5),
)  # fmt: skip


# --- loading and judging ------------------------------------------------------------------------


@dataclass
class World:
    places: dict[str, Any]
    offers: dict[str, Any]
    requester: Any
    key_of: dict[int, str] = field(default_factory=dict)


def load_world(now: datetime) -> World:
    """Flush the places, owners and offers into the app's session (no commit)."""
    from marketplace.accounts.models import Organisation
    from marketplace.extensions import db
    from marketplace.places.models import Place

    places: dict[str, Place] = {}
    for key, kind, name, parent_key in PLACES:
        parent = places.get(parent_key) if parent_key else None
        place = Place(
            kind=kind,
            name=name,
            parent_id=parent.id if parent else None,
            depth=parent.depth + 1 if parent else 0,
        )
        db.session.add(place)
        db.session.flush()
        place.path = f"{parent.path if parent else '/'}{place.id}/"
        places[key] = place
    organisation = Organisation(name="清溪便民超市（评测）", kind="merchant", verified=True)
    db.session.add(organisation)
    requester = _user("requester", "resident")
    offers = {}
    for number, offer in enumerate(OFFERS):
        owner = _user(
            f"owner{number}",
            "merchant" if offer.kind == "donation" else "resident",
            completed_exchanges=offer.owner_completed,
            no_shows=offer.owner_no_shows,
            organisation=organisation if offer.kind == "donation" else None,
        )
        offers[offer.key] = _offer(offer, owner, places, now)
    db.session.flush()
    world = World(places=places, offers=offers, requester=requester)
    world.key_of = {listing.id: key for key, listing in offers.items()}
    return world


def _user(name: str, role: str, **values: Any) -> Any:
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    user = User(
        email=f"judged-{name}@example.com",
        password_hash="!",
        display_name=name,
        role=role,
        status="active",
        **values,
    )
    db.session.add(user)
    return user


STATES = {
    "public": ("open", "approved"),
    "pending": ("open", "pending"),
    "withdrawn": ("withdrawn", "approved"),
    "reserved": ("fully_reserved", "approved"),
}


def _offer(offer: Offer, owner: Any, places: dict[str, Any], now: datetime) -> Any:
    from marketplace.extensions import db
    from marketplace.listings.models import Listing, ListingSlot, PickupWindow

    status, moderation = STATES[offer.state]
    created_at = now - timedelta(days=offer.age_days)
    listing = Listing(
        side="offer",
        kind=offer.kind,
        mode=offer.mode,
        title=offer.title,
        description=offer.description,
        category=offer.category,
        tags=list(offer.tags),
        photo_urls=[],
        place=places[offer.place],
        owner=owner,
        organisation=owner.organisation,
        status=status,
        moderation=moderation,
        created_at=created_at,
        updated_at=created_at,
        expires_at=now + timedelta(hours=offer.expires_in_hours),
        quantity=offer.quantity,
        units_reserved=offer.quantity if offer.state == "reserved" and offer.quantity else 0,
        per_person_limit=offer.per_person_limit,
        max_lend_days=offer.max_lend_days,
        auto_confirm=offer.kind == "donation",
    )
    starts_at = now + timedelta(days=offer.available_in_days)
    if offer.kind == "skill":
        listing.slots = [
            ListingSlot(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), capacity=3)
        ]
    if offer.kind == "donation":
        listing.pickup_windows = [
            PickupWindow(
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                place_id=places[offer.place].id,
            )
        ]
    db.session.add(listing)
    return listing


def post_request(case: Case, world: World, now: datetime) -> Any:
    """The case's request, public, flushed."""
    from marketplace.extensions import db
    from marketplace.listings.models import Listing

    listing = Listing(
        side="request",
        kind=case.kind,
        title=case.title,
        description=case.description,
        category=case.category,
        tags=list(case.tags),
        photo_urls=[],
        place=world.places[case.place],
        owner=world.requester,
        status="open",
        moderation="approved",
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=30),
        needed_by=now + timedelta(days=case.needed_in_days) if case.needed_in_days else None,
        urgency=case.urgency,
        quantity_wanted=case.quantity_wanted,
    )
    db.session.add(listing)
    db.session.flush()
    return listing


@dataclass(frozen=True)
class Judgement:
    case: Case
    rank: int | None  # 1-based rank of the expected offer, None when not in the list
    ranked: tuple[str, ...]  # offer keys, best first
    hidden_seen: tuple[str, ...]


@dataclass(frozen=True)
class Figures:
    judgements: tuple[Judgement, ...]

    @property
    def cases(self) -> int:
        return len(self.judgements)

    @property
    def precision_at_1(self) -> float:
        return sum(j.rank == 1 for j in self.judgements) / self.cases

    @property
    def in_top_3(self) -> float:
        return sum(j.rank is not None and j.rank <= 3 for j in self.judgements) / self.cases

    def misses(self) -> list[str]:
        return [
            f"{j.case.key}: expected {j.case.expected} ({j.case.why}), got {list(j.ranked[:3])}"
            for j in self.judgements
            if j.rank != 1
        ]


def judge(world: World, now: datetime, limit: int = 10) -> Figures:
    """Post every case's request and rank its matches (inside an app context, index built)."""
    from marketplace.matching.services import find_matches

    judgements = []
    for case in CASES:
        request = post_request(case, world, now)
        ranked = tuple(
            world.key_of.get(match.listing.id, f"#{match.listing.id}")
            for match in find_matches(request, limit)
        )
        rank = ranked.index(case.expected) + 1 if case.expected in ranked else None
        hidden = tuple(key for key in ranked if key in HIDDEN_OFFERS)
        judgements.append(Judgement(case, rank, ranked, hidden))
    return Figures(tuple(judgements))
