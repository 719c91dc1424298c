"""Demo listings around the Qingxi square: idle items, skills, merchant donations and requests.

Times are relative to the moment the demo is loaded (days ahead, local hours), so slots and
pick-up windows are always in the future on a fresh load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from marketplace import clock
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import Listing


@dataclass(frozen=True)
class DemoListing:
    owner: str  # e-mail of a demo user
    side: str
    kind: str
    title: str
    category: str
    tags: tuple[str, ...]
    place: str
    description: str = ""
    mode: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # (days ahead, "HH:MM" start, "HH:MM" end, capacity) for skills
    slots: tuple[tuple[int, str, str, int], ...] = ()
    # (minutes long, capacity) of a session starting a few minutes after the demo loads: the
    # demo history holds one, as a session can begin only shortly before its slot.
    session_starting_soon: tuple[int, int] | None = None
    # (days ahead, "HH:MM" start, "HH:MM" end, place name) for donations
    windows: tuple[tuple[int, str, str, str], ...] = ()
    needed_in_days: int | None = None
    # Left waiting in the coordinators' queue instead of approved.
    pending: bool = False


SESSION_STARTS_IN = timedelta(minutes=10)

ZHANG, LIU, CHEN, ZHAO = (
    "zhang@qingxi.example",
    "liu@qingxi.example",
    "chen@qingxi.example",
    "zhao@qingxi.example",
)
SUN, TOM = "sun@qingxi.example", "tom@qingxi.example"
MARKET, BARBER = "market@qingxi.example", "barber@qingxi.example"

SQUARE = "清溪村健康广场"
MARKET_ZONE, KIDS_ZONE, FITNESS_ZONE, TALK_ZONE, HEALTH_ZONE = (
    "共享集市区",
    "儿童游乐区",
    "健身活动区",
    "休闲议事区",
    "健康科普区",
)
SKILL_STATION, RESOURCE_STATION = "技能服务站", "资源服务站"


def _give(
    owner: str,
    title: str,
    category: str,
    tags: tuple[str, ...],
    place: str,
    description: str,
    **extra: Any,
) -> DemoListing:
    return DemoListing(
        owner, "offer", "item", title, category, tags, place, description, mode="give", extra=extra
    )


def _lend(
    owner: str,
    title: str,
    category: str,
    tags: tuple[str, ...],
    place: str,
    description: str,
    days: int,
) -> DemoListing:
    return DemoListing(
        owner,
        "offer",
        "item",
        title,
        category,
        tags,
        place,
        description,
        mode="lend",
        extra={"max_lend_days": days},
    )


def _need(
    owner: str,
    title: str,
    category: str,
    tags: tuple[str, ...],
    place: str,
    description: str,
    kind: str = "item",
    **extra: Any,
) -> DemoListing:
    needed = extra.pop("needed_in_days", None)
    return DemoListing(
        owner,
        "request",
        kind,
        title,
        category,
        tags,
        place,
        description,
        extra=extra,
        needed_in_days=needed,
    )


LISTINGS: tuple[DemoListing, ...] = (
    # Idle items given away
    _give(
        ZHANG,
        "九成新婴儿推车",
        "baby_kids",
        ("婴儿车", "推车", "母婴"),
        KIDS_ZONE,
        "孩子大了用不上，可折叠，轮子灵活，免费送给有需要的家庭。",
    ),
    _give(
        LIU,
        "儿童绘本一箱",
        "books_education",
        ("绘本", "儿童", "图书"),
        MARKET_ZONE,
        "约三十本，适合三到六岁，有几本封面有折痕。",
        quantity=1,
    ),
    _give(
        CHEN,
        "初中数学辅导书",
        "books_education",
        ("教辅", "数学", "初中"),
        "清溪村第三网格",
        "人教版七到九年级，笔记很少，送给需要的学生。",
    ),
    _give(
        ZHAO,
        "闲置电饭煲",
        "household",
        ("电饭煲", "厨房"),
        "雕庄社区第一网格",
        "三升容量，功能正常，搬家换了新的。",
    ),
    _give(
        ZHANG,
        "冬季棉衣两件",
        "clothing",
        ("棉衣", "冬装", "老人"),
        SQUARE,
        "女式，XL 码，洗干净了，适合老年人穿。",
        quantity=2,
        per_person_limit=1,
    ),
    _give(
        LIU,
        "花盆和多肉植物",
        "household",
        ("花盆", "多肉", "绿植"),
        MARKET_ZONE,
        "陶瓷花盆五个，附带几株多肉，欢迎来取。",
        quantity=5,
        per_person_limit=2,
    ),
    _give(
        SUN,
        "老式收音机",
        "electronics",
        ("收音机", "怀旧"),
        TALK_ZONE,
        "还能收到本地电台，送给喜欢听戏的老邻居。",
    ),
    _give(
        ZHAO,
        "瑜伽垫",
        "sports_leisure",
        ("瑜伽", "健身", "垫子"),
        FITNESS_ZONE,
        "加厚十毫米，用过几次。",
    ),
    _give(
        CHEN,
        "钢琴入门教材",
        "books_education",
        ("钢琴", "教材", "音乐"),
        "清溪村第三网格",
        "拜厄和小汤，适合初学的孩子。",
    ),
    _give(
        TOM,
        "English picture books",
        "books_education",
        ("english", "books", "kids"),
        KIDS_ZONE,
        "Twenty English picture books for young readers, free to a family who will read them.",
    ),
    _give(
        ZHANG,
        "婴儿床护栏",
        "baby_kids",
        ("婴儿床", "护栏", "母婴"),
        KIDS_ZONE,
        "一米五的床可用，安装简单。",
    ),
    _give(
        SUN,
        "轮椅（可折叠）",
        "elderly_care",
        ("轮椅", "助老", "康复"),
        HEALTH_ZONE,
        "家里老人康复后不用了，刹车正常，希望帮到需要的人。",
    ),
    # Items lent
    _lend(
        LIU,
        "冲击电钻出借",
        "tools",
        ("电钻", "工具", "装修"),
        MARKET_ZONE,
        "博世冲击钻，附钻头一套，用完请清理干净。",
        3,
    ),
    _lend(
        CHEN,
        "折叠梯出借",
        "tools",
        ("梯子", "工具"),
        "清溪村第三网格",
        "两米铝合金人字梯，换灯泡、贴春联都用得上。",
        2,
    ),
    _lend(
        ZHAO,
        "帐篷和睡袋",
        "sports_leisure",
        ("帐篷", "露营", "户外"),
        "雕庄社区第一网格",
        "四人帐篷加两个睡袋，周末露营可借。",
        7,
    ),
    _lend(
        SUN,
        "血压计出借",
        "health",
        ("血压计", "健康", "老人"),
        HEALTH_ZONE,
        "电子血压计，自测方便，借用一周。",
        7,
    ),
    _lend(
        LIU,
        "汽车应急启动电源",
        "transport",
        ("汽车", "搭电", "应急"),
        "清溪村第一网格",
        "冬天打不着火可以借去搭电。",
        1,
    ),
    _lend(
        TOM,
        "Electric guitar for beginners",
        "sports_leisure",
        ("guitar", "music", "吉他"),
        TALK_ZONE,
        "A light electric guitar with a small amplifier; lend for up to two weeks.",
        14,
    ),
    _lend(
        ZHANG,
        "缝纫机出借",
        "household",
        ("缝纫机", "手工"),
        SQUARE,
        "家用缝纫机，会用的邻居可以借去改衣服。",
        5,
    ),
    # Skills
    DemoListing(
        BARBER,
        "offer",
        "skill",
        "老人免费理发",
        "beauty",
        ("理发", "助老", "义剪"),
        SKILL_STATION,
        "每周为六十岁以上老人免费理发，请按时段预约。",
        slots=((2, "09:00", "10:00", 4), (2, "10:00", "11:00", 4), (9, "09:00", "10:00", 4)),
        session_starting_soon=(60, 2),
    ),
    DemoListing(
        CHEN,
        "offer",
        "skill",
        "小学数学作业辅导",
        "tutoring",
        ("辅导", "数学", "小学"),
        SKILL_STATION,
        "退休教师，周末下午辅导小学数学，每次最多三个孩子。",
        slots=((3, "14:00", "16:00", 3), (10, "14:00", "16:00", 3)),
    ),
    DemoListing(
        LIU,
        "offer",
        "skill",
        "家电小维修",
        "repair",
        ("维修", "家电", "电风扇"),
        SKILL_STATION,
        "电风扇、电饭煲、台灯等小家电检修，零件费自理。",
        slots=((4, "15:00", "17:00", 2),),
    ),
    DemoListing(
        ZHAO,
        "offer",
        "skill",
        "智能手机使用教学",
        "elderly_care",
        ("手机", "助老", "微信"),
        TALK_ZONE,
        "教老人用微信视频、扫码付款、挂号。",
        slots=((5, "09:30", "11:00", 5),),
        session_starting_soon=(90, 3),
    ),
    DemoListing(
        TOM,
        "offer",
        "skill",
        "English conversation practice",
        "tutoring",
        ("english", "口语", "lessons"),
        TALK_ZONE,
        "Friendly English conversation lessons for teenagers and adults, one hour each.",
        slots=((6, "19:00", "20:00", 4), (13, "19:00", "20:00", 4)),
    ),
    DemoListing(
        SUN,
        "offer",
        "skill",
        "象棋陪练",
        "sports_leisure",
        ("象棋", "陪练", "文体"),
        TALK_ZONE,
        "下午在凉亭下棋，欢迎来切磋。",
        slots=((1, "14:00", "16:00", 2),),
    ),
    DemoListing(
        ZHANG,
        "offer",
        "skill",
        "广场舞教学",
        "sports_leisure",
        ("广场舞", "健身", "舞蹈"),
        FITNESS_ZONE,
        "每周三晚上教基础步伐，零基础也可以。",
        slots=((3, "19:00", "20:30", 20),),
    ),
    DemoListing(
        LIU,
        "offer",
        "skill",
        "自行车修理",
        "repair",
        ("自行车", "修车", "补胎"),
        MARKET_ZONE,
        "补胎、调刹车、上链条。",
        slots=((2, "16:00", "18:00", 3),),
    ),
    # Merchant donations
    DemoListing(
        MARKET,
        "offer",
        "donation",
        "爱心大米",
        "food",
        ("大米", "粮油", "捐赠"),
        RESOURCE_STATION,
        "清溪便民超市捐赠五公斤装大米，每户限领一袋。",
        extra={"quantity": 30, "per_person_limit": 1},
        windows=((1, "09:00", "11:00", RESOURCE_STATION), (2, "09:00", "11:00", RESOURCE_STATION)),
    ),
    DemoListing(
        MARKET,
        "offer",
        "donation",
        "临期牛奶",
        "food",
        ("牛奶", "食品", "捐赠"),
        MARKET_ZONE,
        "保质期还有十天的纯牛奶，每人最多两箱。",
        extra={"quantity": 20, "per_person_limit": 2},
        windows=((1, "15:00", "17:00", MARKET_ZONE),),
    ),
    DemoListing(
        MARKET,
        "offer",
        "donation",
        "儿童文具礼包",
        "books_education",
        ("文具", "儿童", "开学"),
        RESOURCE_STATION,
        "铅笔、橡皮、作业本，开学季送给村里的孩子。",
        extra={"quantity": 50, "per_person_limit": 2},
        windows=((3, "16:00", "18:00", RESOURCE_STATION),),
    ),
    DemoListing(
        BARBER,
        "offer",
        "donation",
        "洗发水和毛巾",
        "household",
        ("洗发水", "毛巾", "日用"),
        SKILL_STATION,
        "理发店多出来的洗护用品，送给独居老人。",
        extra={"quantity": 15, "per_person_limit": 1},
        windows=((2, "13:00", "15:00", SKILL_STATION),),
    ),
    DemoListing(
        MARKET,
        "offer",
        "donation",
        "食用油（五升）",
        "food",
        ("食用油", "粮油"),
        RESOURCE_STATION,
        "困难家庭优先，每户一桶。",
        extra={"quantity": 12, "per_person_limit": 1},
        windows=((4, "09:00", "11:30", RESOURCE_STATION),),
    ),
    # Requests
    _need(
        ZHAO,
        "求借婴儿推车",
        "baby_kids",
        ("婴儿车", "推车"),
        KIDS_ZONE,
        "亲戚带孩子来住两周，想借一辆推车。",
        needed_in_days=5,
        urgency="high",
    ),
    _need(
        SUN,
        "需要有人帮忙换灯泡",
        "repair",
        ("换灯泡", "维修", "助老"),
        TALK_ZONE,
        "家里吊灯太高，自己够不着。",
        kind="skill",
        needed_in_days=3,
        urgency="high",
    ),
    _need(
        CHEN,
        "想找一把梯子",
        "tools",
        ("梯子",),
        "清溪村第三网格",
        "贴春联用，一天就还。",
        needed_in_days=10,
    ),
    _need(
        LIU,
        "求初中英语辅导",
        "tutoring",
        ("英语", "辅导", "初中"),
        "清溪村第一网格",
        "孩子初二，英语口语比较弱，希望周末有人辅导。",
        kind="skill",
        needed_in_days=14,
    ),
    _need(
        ZHANG,
        "收旧报纸做手工",
        "other",
        ("报纸", "手工"),
        SQUARE,
        "社区手工课需要旧报纸。",
        quantity_wanted=20,
        urgency="low",
    ),
    _need(
        ZHAO,
        "需要血压计",
        "health",
        ("血压计", "老人"),
        "雕庄社区第一网格",
        "父亲最近血压不稳，想借血压计测一周。",
        needed_in_days=7,
    ),
    _need(
        SUN,
        "求教用智能手机",
        "elderly_care",
        ("手机", "微信"),
        TALK_ZONE,
        "想学会和孙子视频通话。",
        kind="skill",
        needed_in_days=10,
    ),
    _need(
        TOM,
        "Looking for a bicycle to borrow",
        "transport",
        ("bicycle", "自行车"),
        "清溪村第二网格",
        "I need a bicycle for a week to get to the station.",
        needed_in_days=6,
    ),
    _need(
        CHEN,
        "需要一台电钻",
        "tools",
        ("电钻", "打孔"),
        "清溪村第三网格",
        "装窗帘杆需要打两个孔。",
        needed_in_days=4,
        urgency="normal",
    ),
    _need(
        LIU,
        "求儿童绘本",
        "books_education",
        ("绘本", "儿童"),
        MARKET_ZONE,
        "给三岁的女儿找一些绘本。",
        quantity_wanted=10,
    ),
    _need(
        ZHANG,
        "需要冬季棉衣",
        "clothing",
        ("棉衣", "冬装"),
        SQUARE,
        "帮独居的王奶奶找一件厚棉衣。",
        needed_in_days=7,
        urgency="high",
    ),
    _need(
        ZHAO,
        "找人一起跑步",
        "sports_leisure",
        ("跑步", "健身"),
        FITNESS_ZONE,
        "每天早上六点半在广场跑步，找个伴。",
        kind="skill",
        urgency="low",
    ),
    # Waiting in the coordinators' queue
    DemoListing(
        ZHAO,
        "offer",
        "item",
        "二手电动车电池",
        "transport",
        ("电动车", "电池"),
        "雕庄社区第一网格",
        "四十八伏电池，还能用，但续航一般。",
        mode="give",
        pending=True,
    ),
    DemoListing(
        SUN,
        "offer",
        "item",
        "出售自家腌的咸菜",
        "food",
        ("咸菜", "食品"),
        MARKET_ZONE,
        "自家腌制，每罐十元。",
        mode="give",
        pending=True,
    ),
)


def load_listings(users_by_email: dict[str, Any], places_by_name: dict[str, Any]) -> int:
    """Create the demo listings that do not exist yet (matched by owner and title)."""
    created = 0
    for spec in LISTINGS:
        owner = users_by_email[spec.owner]
        exists = db.session.scalar(
            select(Listing.id).where(Listing.owner_id == owner.id, Listing.title == spec.title)
        )
        if exists:
            continue
        listing = listings.create_listing(owner, _listing_data(spec, places_by_name))
        wanted = "pending" if spec.pending else "approved"
        if listing.moderation != wanted:
            listing.moderation = wanted
            listing.moderation_reason = "waiting for a coordinator" if spec.pending else ""
            db.session.commit()
        created += 1
    return created


def _listing_data(spec: DemoListing, places: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "side": spec.side,
        "kind": spec.kind,
        "title": spec.title,
        "description": spec.description,
        "category": spec.category,
        "tags": list(spec.tags),
        "place_id": places[spec.place].id,
        **spec.extra,
    }
    if spec.mode:
        data["mode"] = spec.mode
    if spec.slots:
        data["slots"] = [
            {"starts_at": _local(days, start), "ends_at": _local(days, end), "capacity": capacity}
            for days, start, end, capacity in spec.slots
        ]
    if spec.session_starting_soon:
        minutes, capacity = spec.session_starting_soon
        starts_at = clock.now().replace(second=0, microsecond=0) + SESSION_STARTS_IN
        data["slots"].insert(
            0,
            {
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(minutes=minutes),
                "capacity": capacity,
            },
        )
    if spec.windows:
        data["pickup_windows"] = [
            {
                "starts_at": _local(days, start),
                "ends_at": _local(days, end),
                "place_id": places[place].id,
            }
            for days, start, end, place in spec.windows
        ]
    if spec.needed_in_days is not None:
        data["needed_by"] = _local(spec.needed_in_days, "20:00")
    return data


def _local(days_ahead: int, clock_time: str) -> datetime:
    """A time of day ``days_ahead`` days from today in the service's local zone, as UTC."""
    zone = ZoneInfo(current_app.config["LOCAL_TIMEZONE"])
    day = clock.now().astimezone(zone).date() + timedelta(days=days_ahead)
    hour, minute = (int(part) for part in clock_time.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
