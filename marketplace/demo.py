"""The demo community: Diaozhuang subdistrict, Qingxi village and its square, and demo accounts.

``load()`` is idempotent: it creates what is missing and leaves what exists alone, so it can be
run again after an upgrade adds more demo data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organisation, User
from marketplace.demo_activity import load_activity
from marketplace.demo_listings import load_listings
from marketplace.extensions import db
from marketplace.places.models import Place


@dataclass(frozen=True)
class DemoPlace:
    name: str
    kind: str
    description: str = ""
    children: tuple[DemoPlace, ...] = ()
    opening_hours: dict[str, list[list[str]]] | None = None


_DAYTIME = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
_STATION_HOURS = {
    day: [["09:00", "11:30"], ["14:00", "17:00"]]
    for day in ("mon", "tue", "wed", "thu", "fri", "sat")
}

PLACE_TREE = DemoPlace(
    "雕庄街道",
    "subdistrict",
    "常州市天宁区雕庄街道，五社联动社区服务",
    children=(
        DemoPlace(
            "清溪村",
            "community",
            "雕庄街道清溪村",
            children=(
                DemoPlace(
                    "清溪村第一网格",
                    "grid",
                    children=(
                        DemoPlace(
                            "清溪村健康广场",
                            "space",
                            "清溪村改造后的健康广场，设有五个功能区",
                            opening_hours=_DAYTIME,
                            children=(
                                DemoPlace("健身活动区", "zone", "健身器材与广场舞场地"),
                                DemoPlace("儿童游乐区", "zone", "滑梯、沙池和亲子活动空间"),
                                DemoPlace("休闲议事区", "zone", "凉亭与长椅，邻里议事的地方"),
                                DemoPlace("健康科普区", "zone", "健康知识宣传栏与义诊点"),
                                DemoPlace("共享集市区", "zone", "闲置物品交换与便民集市"),
                            ),
                        ),
                    ),
                ),
                DemoPlace("清溪村第二网格", "grid"),
                DemoPlace("清溪村第三网格", "grid"),
                DemoPlace(
                    "技能服务站",
                    "station",
                    "理发、维修、辅导等技能共享",
                    opening_hours=_STATION_HOURS,
                ),
                DemoPlace(
                    "项目服务站", "station", "社区公益项目对接", opening_hours=_STATION_HOURS
                ),
                DemoPlace(
                    "资源服务站",
                    "station",
                    "捐赠物资与闲置资源的集散点",
                    opening_hours=_STATION_HOURS,
                ),
            ),
        ),
        DemoPlace(
            "雕庄社区",
            "community",
            children=(DemoPlace("雕庄社区第一网格", "grid"), DemoPlace("雕庄社区第二网格", "grid")),
        ),
        DemoPlace(
            "采菱社区",
            "community",
            children=(DemoPlace("采菱社区第一网格", "grid"), DemoPlace("采菱社区第二网格", "grid")),
        ),
        DemoPlace(
            "湖滨社区",
            "community",
            children=(DemoPlace("湖滨社区第一网格", "grid"),),
        ),
    ),
)


@dataclass(frozen=True)
class DemoUser:
    role: str
    display_name: str
    email: str
    phone: str
    password: str
    home_place: str | None = None
    organisation: str | None = None


DEMO_PASSWORD = "qingxi-demo-2026"

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "平台管理员", "admin@qingxi.example", "13900000001", DEMO_PASSWORD),
    DemoUser(
        "coordinator",
        "王社工",
        "coordinator@qingxi.example",
        "13900000002",
        DEMO_PASSWORD,
        "清溪村",
    ),
    DemoUser(
        "merchant",
        "李老板",
        "market@qingxi.example",
        "13900000003",
        DEMO_PASSWORD,
        "清溪村第一网格",
        "清溪便民超市",
    ),
    DemoUser(
        "merchant",
        "周师傅",
        "barber@qingxi.example",
        "13900000004",
        DEMO_PASSWORD,
        "清溪村第二网格",
        "雕庄爱心理发店",
    ),
    DemoUser(
        "resident", "张阿姨", "zhang@qingxi.example", "13900000005", DEMO_PASSWORD, "清溪村健康广场"
    ),
    DemoUser(
        "resident", "刘先生", "liu@qingxi.example", "13900000006", DEMO_PASSWORD, "清溪村第一网格"
    ),
    DemoUser(
        "resident", "陈老师", "chen@qingxi.example", "13900000007", DEMO_PASSWORD, "清溪村第三网格"
    ),
    DemoUser(
        "resident",
        "赵小妹",
        "zhao@qingxi.example",
        "13900000008",
        DEMO_PASSWORD,
        "雕庄社区第一网格",
    ),
    DemoUser(
        "resident", "孙大爷", "sun@qingxi.example", "13900000009", DEMO_PASSWORD, "休闲议事区"
    ),
    DemoUser(
        "resident",
        "Tom Wilson",
        "tom@qingxi.example",
        "13900000010",
        DEMO_PASSWORD,
        "清溪村第二网格",
    ),
)


@dataclass
class LoadReport:
    places_created: int = 0
    users_created: int = 0
    listings_created: int = 0
    exchanges_completed: int = 0
    places_by_name: dict[str, Place] = field(default_factory=dict)


def database_has_places() -> bool:
    return db.session.scalar(select(Place.id).limit(1)) is not None


def load() -> LoadReport:
    report = LoadReport()
    _load_place(PLACE_TREE, None, report)
    db.session.commit()
    users = {account.email: _load_user(account, report) for account in DEMO_USERS}
    report.listings_created = load_listings(users, report.places_by_name)
    report.exchanges_completed = load_activity()
    return report


def _load_place(spec: DemoPlace, parent: Place | None, report: LoadReport) -> Place:
    place = db.session.scalar(
        select(Place).where(
            Place.parent_id == (parent.id if parent else None), Place.name == spec.name
        )
    )
    if place is None:
        place = Place(
            parent_id=parent.id if parent else None,
            kind=spec.kind,
            name=spec.name,
            description=spec.description,
            opening_hours=spec.opening_hours,
            depth=parent.depth + 1 if parent else 0,
        )
        db.session.add(place)
        db.session.flush()
        place.path = f"{parent.path if parent else '/'}{place.id}/"
        report.places_created += 1
    report.places_by_name[spec.name] = place
    for child in spec.children:
        _load_place(child, place, report)
    return place


def _load_user(account: DemoUser, report: LoadReport) -> User:
    user = db.session.scalar(select(User).where(User.email == account.email))
    if user is not None:
        return user
    home = report.places_by_name.get(account.home_place) if account.home_place else None
    user = accounts.register(
        accounts.Registration(
            email=account.email,
            phone=account.phone,
            password=account.password,
            display_name=account.display_name,
            home_place_id=home.id if home else None,
            organisation_name=account.organisation
            if account.organisation and not _organisation_exists(account.organisation)
            else None,
        )
    )
    user.role = account.role
    if account.organisation:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.name == account.organisation)
        )
        if organisation is not None:
            organisation.verified = True
            user.organisation = organisation
    db.session.commit()
    report.users_created += 1
    return user


def _organisation_exists(name: str) -> bool:
    return db.session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None
