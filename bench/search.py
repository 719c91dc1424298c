"""Text search at scale: full reindex throughput, query latency through GET /listings?q= next to
the raw Whoosh search and two SQL baselines, and recall@10 on the judged queries.

    .venv/bin/python bench/search.py [--n 20000] [--rounds 3] [--seed 7] [--keep DIR]
                                     [--profile reindex|api|whoosh] [--phases]

Everything happens in a temporary directory: a SQLite database built with the migrations and a
search index. The place tree and the 208 judged listings of ``tests/search/corpus.py`` are
inserted together with N synthetic listings (short Chinese and some English offers and requests
made from word lists, about 8% of them not public), all with bulk inserts; the index is then
rebuilt from the database with the real analyser (``indexer.rebuild``, as ``flask search
reindex`` does) and timed.

The query mix is the text of the judged queries (Chinese, partial words, traditional
characters, single characters, pinyin, English, misspellings, mixed), each asked ``--rounds``
times after a warm-up round, through:

(a) ``GET /api/v1/listings?q=...`` in-process: the app's WSGI callable called with the environ a
    WSGI server builds for the request (first page of 20, with facets and snippets, listings
    loaded from the database), its JSON body decoded with orjson. Flask's test client adds
    work of its own that no server does (it builds the environ from keyword arguments, runs a
    cookie jar and works out the request's URL twice), so the same requests through it are
    timed too and printed under (a), for reference;
(b) the raw Whoosh search of the same index (``WhooshIndex.search`` with the options (a) uses:
    same query, filters, page and facets, no database), taking turns with (a) query by query
    (each going first half the time), so that their ratio holds even when the machine's speed
    drifts during the run;
(c) a plain SQL LIKE scan: public listings whose title, description or tags contain any word of
    the query (split at spaces and punctuation, NFKC and lower case, nothing else; the tags
    column is JSON text, so Chinese words are looked for in their \\uXXXX form there), newest
    first, first 20;
(d) SQLite FTS5 with the trigram tokenizer over title, description and tags: the query's words
    of three or more characters OR-ed in a MATCH, best bm25 first (words of one or two
    characters, which a trigram index cannot match, fall back to LIKE on the FTS table);
(e) for reference, ``GET /api/v1/listings`` without ``q`` over a few filters and orders
    (``BROWSE_MIX``): a page of 20 listings that the database picks and orders.

Under (b), a line pairs (a) and (b) query by query (same query, same round): the median extra
time of (a) and the median of the per-query ratios, less at the mercy of the machine's drift
than the ratio of the two p50s, which is the one the target is checked on.

Recall@10 is, per judged query, the share of its relevant listings (``JudgedQuery.relevant``)
among the first ten answers, averaged over the queries.

``--phases`` then runs the API query mix once more with a timer around each part of the
request (the Whoosh search, loading the hits, the booked periods of lent items, the snippets)
and prints the median of each and of the rest, to show where the API's time beyond the raw
search goes. The timers add a little; the figures above are taken without them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from bench.synthetic import NOW, listing_row, percentile  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import Organisation, User  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import Listing  # noqa: E402
from marketplace.places.models import Place  # noqa: E402
from marketplace.search import indexer  # noqa: E402
from marketplace.search.index import SearchQuery  # noqa: E402
from tests.search import corpus  # noqa: E402

PUBLIC_STATUSES = ("open", "fully_reserved")

# --- word lists ------------------------------------------------------------------------------------

THINGS: dict[str, tuple[str, ...]] = {
    "household": ("电饭煲", "微波炉", "电风扇", "取暖器", "加湿器", "晾衣架", "沙发", "书桌", "台灯", "花盆", "吸尘器", "电水壶", "窗帘", "衣柜", "餐桌", "床垫", "保温杯", "炒锅"),
    "baby_kids": ("婴儿床", "学步车", "儿童餐椅", "积木", "奶瓶", "玩具车", "童车", "儿童书桌", "爬行垫", "安抚奶嘴"),
    "tools": ("冲击钻", "扳手", "螺丝刀套装", "电锯", "工具箱", "卷尺", "锤子", "老虎钳", "电焊机", "水管钳"),
    "electronics": ("收音机", "旧手机", "平板电脑", "路由器", "蓝牙音响", "电视机", "充电宝", "耳机", "显示器", "键盘", "鼠标"),
    "books_education": ("教辅书", "新华字典", "英语读物", "小说", "书包", "文具", "习题集", "地球仪", "漫画书"),
    "clothing": ("棉衣", "羽绒服", "毛衣", "雨衣", "运动鞋", "围巾", "手套", "皮鞋", "衬衫"),
    "health": ("体温计", "按摩器", "口罩", "护腰", "足浴盆", "雾化器"),
    "elderly_care": ("拐杖", "老花镜", "坐便椅", "防滑垫", "助听器"),
    "sports_leisure": ("瑜伽垫", "羽毛球拍", "篮球", "足球", "乒乓球拍", "跳绳", "哑铃", "滑板", "风筝", "鱼竿"),
    "transport": ("电动车", "电动车电池", "头盔", "车筐", "打气筒", "儿童座椅"),
    "food": ("土豆", "红薯", "苹果", "大白菜", "花生油", "咸鸭蛋", "年糕"),
}  # fmt: skip
ENGLISH_THINGS: dict[str, tuple[str, ...]] = {
    "household": ("rice cooker", "desk lamp", "kettle", "bookshelf", "armchair"),
    "electronics": ("keyboard", "monitor", "radio", "headphones", "phone charger"),
    "sports_leisure": ("yoga mat", "football", "skateboard", "fishing rod", "badminton set"),
    "books_education": ("novels", "textbooks", "dictionary", "comics"),
    "tools": ("hammer", "toolbox", "tape measure", "saw"),
}  # fmt: skip
SKILLS: dict[str, tuple[str, ...]] = {
    "beauty": ("剪发", "老人剪发", "编发", "化妆"),
    "tutoring": ("英语辅导", "作文辅导", "书法教学", "物理辅导", "化学辅导", "美术启蒙"),
    "repair": ("家电维修", "换灯泡", "修水龙头", "修电脑", "修门锁", "疏通马桶"),
    "elderly_care": ("智能手机教学", "陪老人聊天", "代买药品", "陪老人散步"),
    "sports_leisure": ("太极拳教学", "象棋陪练", "羽毛球陪练", "跳绳教学"),
    "transport": ("帮忙搬家", "接送孩子", "代取快递"),
    "other": ("照看宠物", "代写春联", "帮忙浇花"),
}  # fmt: skip
ENGLISH_SKILLS = (
    "guitar lessons",
    "maths tutoring",
    "cooking class",
    "computer help",
    "dog walking",
)
DONATIONS: dict[str, tuple[str, ...]] = {
    "food": ("面粉", "牛奶", "挂面", "食用盐", "月饼"),
    "household": ("洗发水", "毛巾", "洗衣液", "肥皂"),
    "books_education": ("文具礼包", "作业本", "书包"),
    "health": ("消毒液", "创可贴"),
}  # fmt: skip
CONDITIONS = (
    "九成新",
    "闲置",
    "全新",
    "二手",
    "八成新",
    "家用",
    "便携",
    "大号",
    "小号",
    "不用了的",
)
GIVE_WORDS = ("送人", "免费送", "转赠", "低碳循环", "")
LEND_WORDS = ("出借", "可借", "借用一周", "短期出借")
REQUEST_WORDS = ("求", "想借", "求购", "需要", "找")
DETAILS = ("功能正常", "用过几次", "有轻微划痕", "搬家带不走", "孩子大了用不上", "保养得很好",
           "买多了", "只用过一个夏天", "外观有磨损", "配件齐全")  # fmt: skip
PICKUP = ("自取", "可以送到楼下", "晚上七点后联系", "周末在家", "在广场交接", "白天有人")
ENGLISH_DETAILS = (
    "works fine",
    "barely used",
    "a few scratches",
    "moving out",
    "free to a good home",
)
# (status, moderation) of the listings that are not public, about 8% of them.
HIDDEN_STATES = (("withdrawn", "approved"), ("expired", "approved"), ("closed", "approved"),
                 ("open", "pending"), ("open", "hidden"), ("open", "rejected"))  # fmt: skip
EXTRA_PLACES = (
    "老年活动中心",
    "文化礼堂",
    "卫生室",
    "小学门口",
    "东村口",
    "西村口",
    "菜市场",
    "祠堂",
)


# --- building -------------------------------------------------------------------------------------


def make_app(directory: Path, database_url: str | None = None) -> Flask:
    """The app on ``database_url`` (by default a SQLite file in ``directory``), migrated."""
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(directory / "instance")
    app = create_app(
        {
            "ENV_NAME": "development",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{directory / 'bench.sqlite3'}",
            "SEARCH_DIR": str(directory / "search"),
            # Only reads are measured: no request drains the outbox on its way out.
            "SEARCH_INDEXING": "worker",
        }
    )
    with app.app_context():
        upgrade()
    return app


def insert_places() -> tuple[dict[str, int], list[tuple[int, str]]]:
    """The corpus place tree plus a few spaces more; (ids by corpus key, hosting places)."""
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    depths: dict[str, int] = {}
    for key, kind, name, parent in (
        *corpus.PLACES,
        *((f"extra{n}", "space", name, "grid1" if n % 2 else "yj_grid")
          for n, name in enumerate(EXTRA_PLACES)),
    ):  # fmt: skip
        place = Place(
            kind=kind,
            name=name,
            parent_id=ids.get(parent) if parent else None,
            depth=depths[parent] + 1 if parent else 0,
            path="/",
        )
        db.session.add(place)
        db.session.flush()
        paths[key] = f"{paths[parent] if parent else '/'}{place.id}/"
        depths[key] = place.depth
        place.path = paths[key]
        ids[key] = place.id
    db.session.flush()
    names = {key: name for key, _kind, name, _parent in corpus.PLACES}
    names.update({f"extra{n}": name for n, name in enumerate(EXTRA_PLACES)})
    hosting = [(ids[key], names[key]) for key in ids if key != "diaozhuang"]
    return ids, hosting


def insert_people() -> tuple[list[int], list[tuple[int, int]]]:
    """500 residents and four merchants with their organisations: (residents, merchants)."""
    first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    rows = [
        {
            "id": first + n,
            "email": f"bench{n}@example.com",
            "password_hash": "!",
            "display_name": f"邻居{n}",
            "role": "resident",
            "status": "active",
        }
        for n in range(500)
    ]
    db.session.execute(insert(User), rows)
    advance_id_sequence(User)
    merchants = []
    for n, name in enumerate(("清溪便民超市", "雕庄爱心理发店", "湖滨药店", "采菱面包房")):
        organisation = Organisation(name=name, kind="merchant", verified=True)
        merchant = User(
            email=f"merchant{n}@example.com",
            password_hash="!",
            display_name=name,
            role="merchant",
            status="active",
            organisation=organisation,
        )
        db.session.add(merchant)
        db.session.flush()
        merchants.append((merchant.id, organisation.id))
    return [row["id"] for row in rows], merchants


def synthetic_listings(
    count: int,
    rng: random.Random,
    places: list[tuple[int, str]],
    residents: list[int],
    merchants: list[tuple[int, int]],
) -> Iterator[dict[str, Any]]:
    """Rows of ``count`` short listings: item offers, skills, donations and requests, about one
    in twenty in English."""
    for _ in range(count):
        place_id, place_name = rng.choice(places)
        row = listing_row(rng, place_id)
        row.update(side="offer", owner_id=rng.choice(residents))
        roll = rng.random()
        english = rng.random() < 0.05
        if roll < 0.55:
            category = rng.choice(list(ENGLISH_THINGS if english else THINGS))
            thing = rng.choice((ENGLISH_THINGS if english else THINGS)[category])
            lend = rng.random() < 0.3
            if english:
                title = f"{thing.capitalize()} to {'lend' if lend else 'give away'}"
                description = f"{rng.choice(ENGLISH_DETAILS)}, pick up near {place_name}."
            else:
                verb = rng.choice(LEND_WORDS if lend else GIVE_WORDS)
                title = f"{rng.choice(CONDITIONS)}{thing}{verb}"
                description = f"{title}，{rng.choice(DETAILS)}，{rng.choice(PICKUP)}。"
            row.update(
                kind="item",
                mode="lend" if lend else "give",
                category=category,
                tags=[thing],
                quantity=1,
                max_lend_days=rng.choice((2, 3, 7, 14)) if lend else None,
            )
        elif roll < 0.72:
            category = rng.choice(list(SKILLS))
            skill = rng.choice(ENGLISH_SKILLS) if english else rng.choice(SKILLS[category])
            title = (
                rng.choice((skill, f"义务{skill}", f"{skill}（周末）")) if not english else skill
            )
            description = (
                f"Happy to help neighbours with {skill}."
                if english
                else f"{skill}，{rng.choice(('周末有空', '晚上有空', '随时联系'))}，不收费。"
            )
            row.update(kind="skill", category=category, tags=[skill])
        elif roll < 0.80:
            category = rng.choice(list(DONATIONS))
            gift = rng.choice(DONATIONS[category])
            merchant, organisation = rng.choice(merchants)
            title = f"爱心{gift}捐赠"
            description = f"{title}，每户限领{rng.choice((1, 2))}份，{rng.choice(PICKUP)}。"
            row.update(
                kind="donation",
                category=category,
                tags=[gift, "捐赠"],
                quantity=rng.choice((5, 10, 20, 50)),
                per_person_limit=1,
                auto_confirm=True,
                owner_id=merchant,
                organisation_id=organisation,
            )
        else:
            category = rng.choice(list(THINGS))
            thing = rng.choice(THINGS[category])
            title = f"{rng.choice(REQUEST_WORDS)}{thing}"
            description = (
                f"{rng.choice(('急用', '家里需要', '用几天就还', '旧的也行'))}，谢谢邻居。"
            )
            row.update(
                side="request",
                kind="item",
                category=category,
                tags=[thing],
                needed_by=NOW + timedelta(days=rng.choice((3, 7, 14))),
                urgency=rng.choice(("low", "normal", "high")),
                quantity_wanted=1,
            )
        if rng.random() < 0.08:
            row["status"], row["moderation"] = rng.choice(HIDDEN_STATES)
        row.update(title=title[:60], description=description)
        yield row


def corpus_rows(
    rng: random.Random,
    place_ids: dict[str, int],
    residents: list[int],
    merchants: list[tuple[int, int]],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The judged listings, posted at random times among the synthetic ones."""
    for position, entry in enumerate(corpus.LISTINGS):
        row = listing_row(rng, place_ids[entry.place])
        row.update(
            side=entry.side,
            kind=entry.kind,
            mode=entry.mode,
            title=entry.title,
            description=entry.description,
            category=entry.category,
            tags=list(entry.tags),
            status=entry.status,
            moderation=entry.moderation,
            owner_id=residents[position % len(residents)],
            quantity=1 if entry.side == "offer" and entry.kind == "item" else None,
        )
        if entry.kind == "donation":
            merchant, organisation = merchants[position % len(merchants)]
            row.update(owner_id=merchant, organisation_id=organisation, quantity=20)
        if entry.side == "request":
            row.update(urgency="normal", quantity_wanted=1, needed_by=NOW + timedelta(days=7))
        if entry.state == "expired":
            row["expires_at"] = NOW - timedelta(days=1)
        yield entry.key, row


def build_database(count: int, seed: int) -> dict[str, int]:
    """Insert everything; returns the ids of the judged listings by corpus key."""
    rng = random.Random(seed)
    place_ids, hosting = insert_places()
    residents, merchants = insert_people()
    next_id = 1
    batch: list[dict[str, Any]] = []
    for row in synthetic_listings(count, rng, hosting, residents, merchants):
        batch.append({**row, "id": next_id})
        next_id += 1
        if len(batch) >= 5000:
            db.session.execute(insert(Listing), batch)
            batch.clear()
    judged: dict[str, int] = {}
    for key, row in corpus_rows(rng, place_ids, residents, merchants):
        judged[key] = next_id
        batch.append({**row, "id": next_id})
        next_id += 1
    db.session.execute(insert(Listing), batch)
    advance_id_sequence(Listing)
    db.session.commit()
    return judged


def advance_id_sequence(model: Any) -> None:
    """After rows were inserted with their ids given, PostgreSQL's id sequence starts after them
    (SQLite takes the next id from the table itself)."""
    if db.engine.dialect.name == "postgresql":
        table = model.__tablename__
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        )


def judged_ids() -> dict[str, int]:
    """The judged listings' ids in a database built earlier (``--keep``)."""
    rows = db.session.execute(
        select(Listing.id, Listing.title, Listing.description).order_by(Listing.id.desc())
    ).all()[: len(corpus.LISTINGS)]
    by_text = {(title, description): listing_id for listing_id, title, description in rows}
    return {entry.key: by_text[(entry.title, entry.description)] for entry in corpus.LISTINGS}


# --- the SQL baselines ----------------------------------------------------------------------------

_WORDS = re.compile(r"[^\W_]+")


def plain_words(text: str) -> list[str]:
    """What a plain implementation searches for: NFKC, lower case, split at non-word characters."""
    return _WORDS.findall(unicodedata.normalize("NFKC", text).lower())


def _in_tags(word: str) -> str | None:
    """The word as the tags column (JSON text, Chinese as \\uXXXX escapes) holds it; None for a
    word of hex digits that would match inside the escapes."""
    if word.isascii():
        return None if set(word) <= set("0123456789abcdefu") else word
    return json.dumps(word)[1:-1]


def like_scan(connection: sqlite3.Connection, text: str, limit: int = 20) -> list[int]:
    words = plain_words(text)
    if not words:
        return []
    conditions, parameters = [], []
    for word in words:
        conditions.append("lower(title) LIKE ? OR lower(description) LIKE ?")
        parameters += [f"%{word}%"] * 2
        if (tag := _in_tags(word)) is not None:
            conditions.append("lower(tags) LIKE ?")
            parameters.append(f"%{tag}%")
    condition = " OR ".join(conditions)
    rows = connection.execute(
        f"SELECT id FROM listings WHERE moderation = 'approved' "
        f"AND status IN ('open', 'fully_reserved') AND ({condition}) "
        f"ORDER BY created_at DESC, id DESC LIMIT {limit}",
        parameters,
    )
    return [row[0] for row in rows]


def build_fts(connection: sqlite3.Connection) -> float:
    started = time.perf_counter()
    connection.execute("DROP TABLE IF EXISTS bench_fts")
    connection.execute(
        "CREATE VIRTUAL TABLE bench_fts USING fts5(title, description, tags, tokenize='trigram')"
    )
    # Tags as plain words, not JSON text with \\uXXXX escapes.
    connection.execute(
        "INSERT INTO bench_fts (rowid, title, description, tags) "
        "SELECT l.id, l.title, l.description, "
        "(SELECT group_concat(value, ' ') FROM json_each(l.tags)) FROM listings l"
    )
    connection.commit()
    return time.perf_counter() - started


def fts_search(connection: sqlite3.Connection, text: str, limit: int = 20) -> list[int]:
    words = plain_words(text)
    long_words = [word for word in words if len(word) >= 3]
    public = "l.moderation = 'approved' AND l.status IN ('open', 'fully_reserved')"
    if long_words:
        expression = " OR ".join('"{}"'.format(word.replace('"', '""')) for word in long_words)
        rows = connection.execute(
            "SELECT l.id FROM bench_fts JOIN listings l ON l.id = bench_fts.rowid "
            f"WHERE bench_fts MATCH ? AND {public} ORDER BY bench_fts.rank LIMIT {limit}",
            (expression,),
        )
    elif words:
        condition = " OR ".join(
            "bench_fts.title LIKE ? OR bench_fts.description LIKE ? OR bench_fts.tags LIKE ?"
            for _ in words
        )
        rows = connection.execute(
            "SELECT l.id FROM bench_fts JOIN listings l ON l.id = bench_fts.rowid "
            f"WHERE ({condition}) AND {public} ORDER BY l.created_at DESC LIMIT {limit}",
            [f"%{word}%" for word in words for _column in range(3)],
        )
    else:
        return []
    return [row[0] for row in rows]


# --- measuring ------------------------------------------------------------------------------------


def wsgi_get(app: Flask, path: str, query: dict[str, str]) -> tuple[int, bytes]:
    """GET ``path`` from the app's WSGI callable, with the environ a WSGI server builds for a
    plain request from 127.0.0.1; its status code and body."""
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": urlencode(query),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "application/json",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses: list[str] = []

    def start_response(status: str, _headers: Any, _exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda _data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return int(statuses[-1].split(" ", 1)[0]), body


def hit_ids(status: int, body: bytes) -> list[int]:
    """The ids of a page of search hits, from a 200 answer that did not fall back to the
    database."""
    # Decoded with orjson, as a fast client would. Decoding is the client's work, yet it is
    # timed; with Flask's get_json (the standard library) it alone was a tenth of what the
    # request costs besides the Whoosh search.
    page = orjson.loads(body)
    assert status == 200 and not page["degraded"], page
    return [item["id"] for item in page["items"]]


def cpu_seconds() -> float:
    """CPU time of this process and of the child processes it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(
    queries: list[str], rounds: int, *runs: Callable[[str], list[int]]
) -> list[tuple[list[float], dict[str, list[int]]]]:
    """For each of ``runs``: seconds per call over ``rounds`` rounds (after one warm-up round)
    and each query's ids. Several runs take turns on each query, each going first as often as
    second, so that they are compared under the same conditions: on a shared machine speed
    drifts from one minute to the next."""
    results: list[tuple[list[float], dict[str, list[int]]]] = [([], {}) for _ in runs]
    for round_number in range(rounds + 1):
        for position, query in enumerate(queries):
            turns = list(zip(runs, results, strict=True))
            if (round_number + position) % 2:
                turns.reverse()
            for run, (seconds, answers) in turns:
                started = time.perf_counter()
                answers[query] = run(query)
                if round_number:
                    seconds.append(time.perf_counter() - started)
    return results


def recall_at_10(
    answers: dict[str, list[int]], judged: dict[str, int], style: str | None = None
) -> float:
    shares = []
    for query in corpus.JUDGED_QUERIES:
        if style is not None and query.style != style:
            continue
        relevant = {judged[key] for key in query.relevant}
        shares.append(len(relevant & set(answers[query.text][:10])) / len(relevant))
    return statistics.fmean(shares)


def paired_line(api_seconds: list[float], whoosh_seconds: list[float], label: str = "(a)") -> str:
    """(a) against (b) query by query: ``timed`` ran them in turn on each query of each round,
    so their lists pair up, and each pair met the machine at the same speed."""
    pairs = list(zip(api_seconds, whoosh_seconds, strict=True))
    extra = percentile([(api - whoosh) * 1000 for api, whoosh in pairs], 0.5)
    ratio = percentile([api / whoosh for api, whoosh in pairs], 0.5)
    return (
        f"      {label} against (b) on the same query: p50 {extra:.2f} ms more, p50 {ratio:.2f} x"
    )


def line(label: str, seconds: list[float], recall: float | None = None) -> str:
    milliseconds = [value * 1000 for value in seconds]
    text = (
        f"  {label:<40} p50 {percentile(milliseconds, 0.5):7.2f} ms   "
        f"p95 {percentile(milliseconds, 0.95):7.2f} ms"
    )
    return text if recall is None else f"{text}   recall@10 {recall:.3f}"


def profiled(name: str, wanted: str | None, work: Callable[[], Any]) -> Any:
    if name != wanted:
        return work()
    profile = cProfile.Profile()
    result = profile.runcall(work)
    print(f"--- profile of {name} (cumulative, top 40) ---")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    return result


# Browsing without a query, for reference: the same page of listings, ordered by the database.
BROWSE_MIX = (
    "",
    "side=offer",
    "side=request&sort=newest",
    "kind=skill",
    "kind=donation&available=true",
    "category=tools",
    "sort=ending_soon&page=3",
)


# What the API path does besides the search, timed one by one with ``--phases``: the module
# and the name of each function that is wrapped while the query mix runs once more.
PHASES = (
    ("Whoosh search inside the request", "whoosh", "search"),
    ("loading the hits (snapshots, plain SQL)", "listings", "snapshots_by_ids"),
    ("booked periods of lent items", "listings", "with_availability"),
    ("snippets", "search_services", "snippet"),
)


@contextmanager
def timing_phases() -> Iterator[dict[str, float]]:
    """Wrap each function of PHASES with a timer; yields the seconds spent in each so far."""
    from marketplace.listings import services as listings_services
    from marketplace.search import services as search_services
    from marketplace.search.whoosh_index import WhooshIndex

    owners = {
        "whoosh": WhooshIndex,
        "listings": listings_services,
        "search_services": search_services,
    }
    spent: dict[str, float] = {label: 0.0 for label, _, _ in PHASES}
    originals = []
    for label, owner_name, name in PHASES:
        owner = owners[owner_name]
        original = getattr(owner, name)
        originals.append((owner, name, original))

        def timed_call(
            *args: Any, _original: Any = original, _label: str = label, **kwargs: Any
        ) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - started

        setattr(owner, name, timed_call)
    try:
        yield spent
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def print_phases(queries: list[str], rounds: int, request: Callable[[str], Any]) -> None:
    """Medians over the query mix of each phase of an API request and of what is left over."""
    per_phase: dict[str, list[float]] = {label: [] for label, _, _ in PHASES}
    totals: list[float] = []
    with timing_phases() as spent:
        for round_number in range(rounds + 1):
            for query in queries:
                before = dict(spent)
                started = time.perf_counter()
                request(query)
                total = time.perf_counter() - started
                if round_number:
                    totals.append(total)
                    for label in per_phase:
                        per_phase[label].append(spent[label] - before[label])
    rest = [
        total - sum(values[index] for values in per_phase.values())
        for index, total in enumerate(totals)
    ]
    print("phases of an API request (medians over the mix, timers on):")
    for label, values in (
        *per_phase.items(),
        ("everything else (Flask, arguments, serialising, JSON)", rest),
        ("whole request", totals),
    ):
        print(f"    {label:<52} {percentile(values, 0.5) * 1000:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="synthetic listings to insert")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over the query mix")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="build in DIR and keep it; a later run with the same --n and --seed reuses its "
        "database (the index is rebuilt and timed every time)",
    )
    parser.add_argument(
        "--profile", choices=("reindex", "api", "whoosh"), help="print a cProfile of one phase"
    )
    parser.add_argument(
        "--phases",
        action="store_true",
        help="afterwards, run the API query mix once more with a timer on each phase",
    )
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-search-") as temporary:
        directory = Path(arguments.keep or temporary) / f"n-{arguments.n}-seed-{arguments.seed}"
        reuse = (directory / "bench.sqlite3").exists()
        directory.mkdir(parents=True, exist_ok=True)
        app = make_app(directory)
        with app.app_context():
            started = time.perf_counter()
            judged = judged_ids() if reuse else build_database(arguments.n, arguments.seed)
            listings = db.session.scalar(select(func.count(Listing.id))) or 0
            public = db.session.scalar(
                select(func.count(Listing.id)).where(
                    Listing.moderation == "approved", Listing.status.in_(PUBLIC_STATUSES)
                )
            )
            print(
                f"{listings} listings ({public} public; {arguments.n} synthetic + "
                f"{len(corpus.LISTINGS)} judged) {'reused' if reuse else 'inserted'} "
                f"in {time.perf_counter() - started:.1f} s"
            )
            indexer.get_index()  # loads the analyser's dictionaries outside the timing
            from marketplace.search.analysis import warm_up

            warm_up()
            started, cpu_started = time.perf_counter(), cpu_seconds()
            documents = profiled("reindex", arguments.profile, indexer.rebuild)
            reindex_seconds = time.perf_counter() - started
            reindex_cpu = cpu_seconds() - cpu_started
        throughput = documents / reindex_seconds
        print(
            f"full reindex: {documents} documents in {reindex_seconds:.1f} s = "
            f"{throughput:,.0f} listings/s ({documents / reindex_cpu:,.0f} per CPU second, writing "
            f"processes included; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )

        queries = [query.text for query in corpus.JUDGED_QUERIES]
        print(f"query mix: {len(queries)} judged queries x {arguments.rounds} rounds")
        client = app.test_client()

        def through_api(text: str) -> list[int]:
            return hit_ids(*wsgi_get(app, "/api/v1/listings", {"q": text}))

        def through_test_client(text: str) -> list[int]:
            response = client.get("/api/v1/listings", query_string={"q": text})
            return hit_ids(response.status_code, response.data)

        with app.app_context():
            index = indexer.get_index()

        def raw_whoosh(text: str) -> list[int]:
            return [hit.listing_id for hit in index.search(SearchQuery(text=text)).hits]

        # The API request and the raw search take turns on each query (outside any app context
        # here, so that every request has its own, as under a server).
        (
            (api_seconds, api_answers),
            (whoosh_seconds, _answers),
            (test_client_seconds, _answers),
        ) = timed(queries, arguments.rounds, through_api, raw_whoosh, through_test_client)

        def browsing(query_string: str) -> list[int]:
            response = client.get(f"/api/v1/listings?{query_string}")
            assert response.status_code == 200, response.get_json()
            return [item["id"] for item in response.get_json()["items"]]

        ((browse_seconds, _answers),) = timed(list(BROWSE_MIX), arguments.rounds, browsing)
        if arguments.profile in ("api", "whoosh"):
            run = through_api if arguments.profile == "api" else raw_whoosh
            profiled(arguments.profile, arguments.profile, lambda: timed(queries, 1, run))
        connection = sqlite3.connect(directory / "bench.sqlite3")
        try:
            ((like_seconds, like_answers),) = timed(
                queries, arguments.rounds, lambda text: like_scan(connection, text)
            )
            fts_build = build_fts(connection)
            ((fts_seconds, fts_answers),) = timed(
                queries, arguments.rounds, lambda text: fts_search(connection, text)
            )
        finally:
            connection.close()

        api_recall = recall_at_10(api_answers, judged)
        like_recall = recall_at_10(like_answers, judged)
        fts_recall = recall_at_10(fts_answers, judged)
        print(line("(a) GET /listings?q= (in-process)", api_seconds, api_recall))
        print(line("    the same through Flask's test client", test_client_seconds))
        print(line("(b) raw Whoosh search, same index", whoosh_seconds))
        print(paired_line(api_seconds, whoosh_seconds))
        print(paired_line(test_client_seconds, whoosh_seconds, "(a) by the test client"))
        print(line("(c) SQL LIKE scan", like_seconds, like_recall))
        print(line(f"(d) SQLite FTS5 trigram (built {fts_build:.1f} s)", fts_seconds, fts_recall))
        print(line(f"(e) GET /listings without q ({len(BROWSE_MIX)} filters)", browse_seconds))

        print("  recall@10 by kind of query:      (a) API   (c) LIKE  (d) FTS5")
        for style in corpus.STYLES:
            answer_sets = (api_answers, like_answers, fts_answers)
            figures = [recall_at_10(answers, judged, style) for answers in answer_sets]
            print(f"    {style:<30}" + "".join(f"{figure:9.3f}" for figure in figures))

        api_p50 = percentile(api_seconds, 0.5) * 1000
        ratio = percentile(api_seconds, 0.5) / percentile(whoosh_seconds, 0.5)
        print(f"targets (at 100,000 listings; this run has {listings}):")
        checks = (
            (f"reindex >= 1,000 listings/s: {throughput:,.0f}", throughput >= 1000),
            (f"API search p50 <= 20 ms: {api_p50:.1f} ms", api_p50 <= 20),
            (f"API p50 <= 1.5 x raw Whoosh p50: {ratio:.2f} x", ratio <= 1.5),
            (
                f"API recall@10 above both SQL baselines: {api_recall:.3f} vs "
                f"{like_recall:.3f} (LIKE), {fts_recall:.3f} (FTS5)",
                api_recall > max(like_recall, fts_recall),
            ),
        )
        for text, met in checks:
            print(f"  {'met   ' if met else 'MISSED'} {text}")
        if arguments.phases:
            print_phases(queries, arguments.rounds, through_api)


if __name__ == "__main__":
    main()
