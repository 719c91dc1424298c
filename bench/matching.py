"""Matching at scale: latency of GET /listings/{id}/matches among many public offers, next to the
raw search for the same words, and the quality figures of the judged set.

    .venv/bin/python bench/matching.py [--offers 100000] [--requests 30] [--rounds 5] [--keep DIR]

Everything happens in a temporary directory (SQLite database and search index), built with the
migrations: the demo place tree and accounts (``marketplace.demo``), N public offers spread over
the tree (bulk inserts; titles and descriptions from word lists), the index rebuilt from the
database, then requests posted around the tree. Each request's matches are fetched in-process
through the Flask test client by its logged-in owner (bearer token), and the first search the
matching makes (``counterpart_query``) is timed on its own. Next to wall-clock figures, the p50 of
the process's CPU time, which other work on the machine disturbs less. The judged set (``tests/matching/judged.py``) is then loaded into
a second, fresh database and judged as the tests do.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask, current_app  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench.synthetic import NOW, listing_row, percentile  # noqa: E402
from marketplace import clock, create_app, demo  # noqa: E402
from marketplace.accounts.models import Organisation, User  # noqa: E402
from marketplace.accounts.services import create_token  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import Listing, ListingSlot, PickupWindow  # noqa: E402
from marketplace.matching.services import counterpart_query  # noqa: E402
from marketplace.places.models import Place  # noqa: E402
from marketplace.search import indexer  # noqa: E402
from marketplace.search.index import SearchQuery  # noqa: E402
from tests.matching import judged  # noqa: E402

# --- word lists ------------------------------------------------------------------------------------

THINGS: dict[str, tuple[str, ...]] = {
    "baby_kids": ("婴儿车", "婴儿推车", "儿童座椅", "婴儿床", "学步车", "儿童自行车", "积木", "奶瓶", "儿童餐椅", "玩具车"),
    "household": ("电饭煲", "微波炉", "电风扇", "取暖器", "加湿器", "晾衣架", "沙发", "书桌", "台灯", "花盆", "缝纫机", "吸尘器", "电水壶", "窗帘"),
    "tools": ("电钻", "冲击钻", "梯子", "人字梯", "扳手", "螺丝刀套装", "电锯", "打气筒", "工具箱"),
    "electronics": ("收音机", "旧手机", "平板电脑", "路由器", "蓝牙音响", "电视机", "充电宝", "耳机"),
    "books_education": ("绘本", "教辅书", "新华字典", "英语读物", "小说", "钢琴教材", "书包", "English books"),
    "clothing": ("棉衣", "羽绒服", "童装", "毛衣", "雨衣", "运动鞋", "围巾"),
    "health": ("血压计", "体温计", "血糖仪", "按摩器", "口罩"),
    "elderly_care": ("轮椅", "拐杖", "助行器", "老花镜", "护理床"),
    "sports_leisure": ("瑜伽垫", "羽毛球拍", "篮球", "帐篷", "吉他", "象棋", "乒乓球拍", "跳绳", "guitar"),
    "transport": ("自行车", "电动车", "电动车电池", "汽车应急电源", "头盔", "bicycle"),
}  # fmt: skip
SKILLS: dict[str, tuple[str, ...]] = {
    "beauty": ("理发", "剪发", "老人理发"),
    "tutoring": ("数学辅导", "英语辅导", "作文辅导", "钢琴教学", "书法教学", "English tutoring"),
    "repair": ("家电维修", "自行车修理", "换灯泡", "修水龙头", "电脑维修"),
    "elderly_care": ("智能手机教学", "陪老人聊天", "代买药品"),
    "sports_leisure": ("广场舞教学", "太极拳教学", "象棋陪练"),
    "transport": ("帮忙搬家", "接送孩子"),
}  # fmt: skip
DONATIONS: dict[str, tuple[str, ...]] = {
    "food": ("大米", "食用油", "牛奶", "面粉", "鸡蛋", "月饼"),
    "household": ("洗发水", "毛巾", "洗衣液"),
    "books_education": ("文具礼包", "作业本"),
    "health": ("口罩", "消毒液"),
}  # fmt: skip
CONDITIONS = ("九成新", "闲置", "全新", "二手", "八成新", "家用", "便携", "大号", "小号")
GIVE_WORDS = ("送人", "免费送", "转赠", "低碳循环", "")
LEND_WORDS = ("出借", "可借", "借用一周", "短期出借")
DETAILS = ("功能正常", "用过几次", "有轻微划痕", "搬家带不走", "孩子大了用不上", "保养得很好")
PICKUP = ("自取", "可以送到楼下", "晚上七点后联系", "周末在家", "在广场交接")
MERCHANTS = ("清溪便民超市", "雕庄爱心理发店", "湖滨药店", "采菱面包房")

# (title, tags, category, kind) of the requests whose matches are timed.
REQUESTS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("求婴儿推车", ("婴儿车", "推车"), "baby_kids", "item"),
    ("想借电钻装窗帘", ("电钻",), "tools", "item"),
    ("需要一把梯子", ("梯子",), "tools", "item"),
    ("求一个电饭煲", ("电饭煲",), "household", "item"),
    ("家里缺米，求一袋大米", ("大米",), "food", "item"),
    ("想找人理发", ("理发",), "beauty", "skill"),
    ("求小学数学辅导", ("数学", "辅导"), "tutoring", "skill"),
    ("需要血压计", ("血压计",), "health", "item"),
    ("求儿童绘本", ("绘本", "儿童"), "books_education", "item"),
    ("Looking for a bicycle to borrow", ("bicycle", "自行车"), "transport", "item"),
    ("需要冬季棉衣", ("棉衣",), "clothing", "item"),
    ("电风扇坏了求维修", ("电风扇", "维修"), "repair", "skill"),
    ("想学广场舞", ("广场舞",), "sports_leisure", "skill"),
    ("急需轮椅", ("轮椅",), "elderly_care", "item"),
    ("求瑜伽垫", ("瑜伽垫",), "sports_leisure", "item"),
)  # fmt: skip


# --- building ------------------------------------------------------------------------------------


def make_app(directory: Path) -> Flask:
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(directory / "instance")
    app = create_app(
        {
            "ENV_NAME": "development",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'bench.sqlite3'}",
            "SEARCH_DIR": str(directory / "search"),
            "PASSWORD_HASH_FAST": True,
            # Only reads are measured: no request drains the outbox on its way out.
            "SEARCH_INDEXING": "worker",
        }
    )
    with app.app_context():
        upgrade()
    return app


def hosting_places() -> list[Place]:
    return list(db.session.scalars(select(Place).where(Place.kind != "subdistrict")))


def bulk_users(count: int) -> list[int]:
    first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    rows = [
        {
            "id": first + n,
            "email": f"bench{n}@example.com",
            "password_hash": "!",
            "display_name": f"邻居{n}",
            "role": "resident",
            "status": "active",
            "completed_exchanges": n % 7,
            "no_shows": 1 if n % 11 == 0 else 0,
            "late_returns": 0,
            "match_alerts": True,
            "created_at": NOW,
            "password_changed_at": NOW,
        }
        for n in range(count)
    ]
    db.session.execute(insert(User), rows)
    return [row["id"] for row in rows]


def bulk_merchants() -> list[tuple[int, int]]:
    pairs = []
    for n, name in enumerate(MERCHANTS):
        organisation = Organisation(name=f"{name}（压测）", kind="merchant", verified=True)
        merchant = User(
            email=f"bench-merchant{n}@example.com",
            password_hash="!",
            display_name=name,
            role="merchant",
            status="active",
            organisation=organisation,
        )
        db.session.add(merchant)
        db.session.flush()
        pairs.append((merchant.id, organisation.id))
    return pairs


def synthetic_offers(
    count: int,
    rng: random.Random,
    places: list[Place],
    residents: list[int],
    merchants: list[tuple[int, int]],
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    """(listing row, slot rows, window rows) for ``count`` public offers."""
    for _ in range(count):
        roll = rng.random()
        place = rng.choice(places)
        row = listing_row(rng, place.id)
        row["side"] = "offer"
        slots: list[dict[str, Any]] = []
        windows: list[dict[str, Any]] = []
        if roll < 0.68:
            category = rng.choice(list(THINGS))
            thing = rng.choice(THINGS[category])
            lend = rng.random() < 0.3
            verb = rng.choice(LEND_WORDS if lend else GIVE_WORDS)
            row.update(
                kind="item",
                mode="lend" if lend else "give",
                title=f"{rng.choice(CONDITIONS)}{thing}{verb}"[:60],
                category=category,
                tags=[thing, rng.choice(CONDITIONS)],
                quantity=1,
                max_lend_days=rng.choice((2, 3, 7, 14)) if lend else None,
                owner_id=rng.choice(residents),
            )
        elif roll < 0.86:
            category = rng.choice(list(SKILLS))
            skill = rng.choice(SKILLS[category])
            row.update(
                kind="skill",
                title=rng.choice((skill, f"义务{skill}", f"{skill}（周末）")),
                category=category,
                tags=[skill],
                owner_id=rng.choice(residents),
            )
            start = NOW + timedelta(hours=rng.uniform(6, 24 * 14))
            slots.append({"starts_at": start, "ends_at": start + timedelta(hours=1), "capacity": 3})
        else:
            category = rng.choice(list(DONATIONS))
            gift = rng.choice(DONATIONS[category])
            merchant, organisation = rng.choice(merchants)
            quantity = rng.choice((5, 10, 20, 50))
            row.update(
                kind="donation",
                title=f"爱心{gift}捐赠",
                category=category,
                tags=[gift, "捐赠"],
                quantity=quantity,
                per_person_limit=rng.choice((1, 2)),
                auto_confirm=True,
                owner_id=merchant,
                organisation_id=organisation,
            )
            start = NOW + timedelta(hours=rng.uniform(6, 24 * 10))
            windows.append(
                {"starts_at": start, "ends_at": start + timedelta(hours=3), "place_id": place.id}
            )
        row["description"] = (
            f"{row['title']}，{rng.choice(DETAILS)}，{rng.choice(PICKUP)}。在{place.name}附近。"
        )
        yield row, slots, windows


def insert_offers(count: int, seed: int) -> None:
    rng = random.Random(seed)
    places = hosting_places()
    residents = bulk_users(2000)
    merchants = bulk_merchants()
    next_id = (db.session.scalar(select(func.max(Listing.id))) or 0) + 1
    batch: list[dict[str, Any]] = []
    slots: list[dict[str, Any]] = []
    windows: list[dict[str, Any]] = []

    def flush() -> None:
        if batch:
            db.session.execute(insert(Listing), batch)
        if slots:
            db.session.execute(insert(ListingSlot), slots)
        if windows:
            db.session.execute(insert(PickupWindow), windows)
        batch.clear()
        slots.clear()
        windows.clear()

    for row, row_slots, row_windows in synthetic_offers(count, rng, places, residents, merchants):
        row["id"] = next_id
        batch.append(row)
        slots.extend({**slot, "listing_id": next_id, "booked": 0} for slot in row_slots)
        windows.extend({**window, "listing_id": next_id} for window in row_windows)
        next_id += 1
        if len(batch) >= 5000:
            flush()
    flush()
    db.session.commit()


def post_requests(seed: int, how_many: int) -> list[tuple[int, str, SearchQuery]]:
    """Requests around the tree, each by a resident of its own, public at once: (request id,
    its owner's bearer token, the first search matching makes for it)."""
    rng = random.Random(seed + 1)
    places = hosting_places()
    run = f"{time.time_ns():x}"
    posted = []
    for number in range(how_many):
        title, tags, category, kind = REQUESTS[number % len(REQUESTS)]
        owner = User(
            email=f"bench-requester-{run}-{number}@example.com",
            password_hash="!",
            display_name=f"求助者{number}",
            role="resident",
            status="active",
        )
        request = Listing(
            side="request",
            kind=kind,
            title=title,
            description="",
            category=category,
            tags=list(tags),
            photo_urls=[],
            place=rng.choice(places),
            owner=owner,
            status="open",
            moderation="approved",
            created_at=NOW,
            updated_at=NOW,
            expires_at=NOW + timedelta(days=30),
            needed_by=NOW + timedelta(days=rng.choice((3, 7, 14))),
            urgency=rng.choice(("low", "normal", "high")),
            quantity_wanted=1,
        )
        db.session.add(request)
        posted.append((request, owner))
    db.session.commit()
    wanted = current_app.config["MATCHING_CANDIDATES"]
    return [
        (request.id, create_token(owner, "bench")[1], counterpart_query(request, wanted))
        for request, owner in posted
    ]


# --- measuring -------------------------------------------------------------------------------------


def report(label: str, seconds: list[float], cpu_seconds: list[float]) -> None:
    """Wall-clock p50/p95/mean, and the p50 of this process's CPU time (steadier when other
    work shares the machine)."""
    milliseconds = [value * 1000 for value in seconds]
    print(
        f"  {label:<34} p50 {percentile(milliseconds, 0.5):7.1f} ms   "
        f"p95 {percentile(milliseconds, 0.95):7.1f} ms   "
        f"mean {statistics.fmean(milliseconds):7.1f} ms   "
        f"cpu p50 {percentile(cpu_seconds, 0.5) * 1000:6.1f} ms   (n={len(milliseconds)})"
    )


def time_matches(app: Flask, requests: list[tuple[int, str, SearchQuery]], rounds: int) -> None:
    client = app.test_client()
    endpoint: list[float] = []
    endpoint_cpu: list[float] = []
    sizes: list[int] = []
    for round_number in range(rounds + 1):
        for request_id, token, _query in requests:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(
                f"/api/v1/listings/{request_id}/matches?limit=10",
                headers={"Authorization": f"Bearer {token}"},
            )
            elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
            assert response.status_code == 200, response.get_data(as_text=True)
            if round_number:  # the first round warms caches up
                endpoint.append(elapsed)
                endpoint_cpu.append(elapsed_cpu)
                sizes.append(len(response.get_json()["items"]))
    raw: list[float] = []
    raw_cpu: list[float] = []
    with app.app_context():
        index = indexer.get_index()
        for round_number in range(rounds + 1):
            for _request_id, _token, query in requests:
                started, started_cpu = time.perf_counter(), time.process_time()
                index.search(query)
                if round_number:
                    raw.append(time.perf_counter() - started)
                    raw_cpu.append(time.process_time() - started_cpu)
    report("GET /listings/{id}/matches", endpoint, endpoint_cpu)
    report("raw search (its first query)", raw, raw_cpu)
    print(f"  matches per request: mean {statistics.fmean(sizes):.1f} of limit 10")


def judged_figures(directory: Path) -> judged.Figures:
    app = make_app(directory)
    with app.app_context():
        clock.freeze(judged.NOW)
        try:
            world = judged.load_world(judged.NOW)
            db.session.commit()
            indexer.rebuild()
            return judged.judge(world, judged.NOW)
        finally:
            db.session.rollback()
            clock.unfreeze()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=100_000, help="public offers to insert")
    parser.add_argument("--requests", type=int, default=30, help="requests whose matches are timed")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds over the requests")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="build in DIR and keep it; a later run with the same --offers and --seed reuses "
        "its database and index (the timed requests are posted afresh)",
    )
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-matching-") as temporary:
        directory = Path(arguments.keep or temporary)
        big = directory / f"offers-{arguments.offers}-seed-{arguments.seed}"
        reuse = (big / "bench.sqlite3").exists()
        big.mkdir(parents=True, exist_ok=True)
        app = make_app(big)
        clock.freeze(NOW)
        with app.app_context():
            if not reuse:
                started = time.perf_counter()
                demo.load()
                insert_offers(arguments.offers, arguments.seed)
                print(f"offers inserted in {time.perf_counter() - started:.1f} s")
            if not reuse or not indexer.get_index().exists():
                started = time.perf_counter()
                documents = indexer.rebuild()
                print(
                    f"index of {documents} listings built in {time.perf_counter() - started:.1f} s"
                )
            requests = post_requests(arguments.seed, arguments.requests)
            offers = db.session.scalar(
                select(func.count(Listing.id)).where(
                    Listing.side == "offer", Listing.status == "open"
                )
            )
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(
            f"{offers} open offers; {len(requests)} requests x {arguments.rounds} rounds "
            f"(load average {load} on {os.cpu_count()} CPUs):"
        )
        time_matches(app, requests, arguments.rounds)
        clock.unfreeze()

    with tempfile.TemporaryDirectory(prefix="bench-matching-judged-") as judged_directory:
        figures = judged_figures(Path(judged_directory))
        print(
            f"judged set: {figures.cases} cases, precision@1 {figures.precision_at_1:.3f}, "
            f"expected offer in the top 3 {figures.in_top_3:.3f}"
        )
        for miss in figures.misses():
            print(f"  not first: {miss}")


if __name__ == "__main__":
    main()
