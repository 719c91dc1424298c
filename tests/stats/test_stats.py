"""``GET /stats``: every figure of the hand-built month (``scenario.py``) for the village, the
whole subdistrict and one grid; the period in local days; the CSV form parsed back and compared
with the JSON; and who may see the figures."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from marketplace import clock
from tests.factories import AdminFactory, MerchantFactory, UserFactory
from tests.stats.scenario import NOVEMBER, Village


def figures(client: Any, **query: Any) -> dict[str, Any]:
    response = client.get("/api/v1/stats", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_the_village_in_november(coordinator_client: Any, november: Village) -> None:
    body = figures(coordinator_client, place_id=november.village.id, **NOVEMBER)

    assert body["place"] == {"id": november.village.id, "name": "清溪村", "kind": "community"}
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    # The donation posted at 00:00 on 11-01 counts; the item posted a minute earlier and the one
    # posted on 12-01 do not; the jack next door is outside the village.
    assert body["listings_posted"] == {
        "offer": {"skill": 1, "item": 3, "donation": 1},
        "request": {"item": 2, "skill": 1},
    }
    # The pram request was met after 48 hours, the drill request after 72; tutoring is still open.
    assert (body["requests_met"], body["median_hours_to_meet"]) == (2, 60.0)
    assert body["reservations_completed"] == {"skill": 1, "lend": 1, "give": 1}
    # Pick-ups decided: haircut, drill and pram handed over, the books missed.
    assert body["no_show_rate"] == 0.25
    assert body["skill_service_hours"] == 1.5
    # Barber 15 (90 minutes), lender 2, giver 2, resident A's grant 20; resident B's grant of 5
    # was revoked; the December grant falls outside; the neighbour lives elsewhere.
    assert body["points_earned"] == 39
    # 15 handed over; the 5-point redemption was cancelled and refunded.
    assert body["points_redeemed"] == 15
    assert body["top_categories"] == [
        {"category": "baby_kids", "label": "母婴儿童", "listings": 2, "completed": 1},
        {"category": "tools", "label": "工具", "listings": 2, "completed": 1},
        {"category": "beauty", "label": "理发美容", "listings": 1, "completed": 1},
        {"category": "books_education", "label": "图书教育", "listings": 1, "completed": 0},
        {"category": "food", "label": "食品", "listings": 1, "completed": 0},
    ]
    assert body["most_active_grids"] == [
        {"id": november.grid_one.id, "name": "清溪村第一网格", "listings": 4, "completed": 2},
        {"id": november.grid_two.id, "name": "清溪村第二网格", "listings": 4, "completed": 1},
        {"id": november.grid_three.id, "name": "清溪村第三网格", "listings": 0, "completed": 0},
    ]


def test_the_whole_platform_in_november(coordinator_client: Any, november: Village) -> None:
    body = figures(coordinator_client, **NOVEMBER)

    assert body["place"] is None
    assert body["listings_posted"] == {
        "offer": {"skill": 1, "item": 4, "donation": 1},
        "request": {"item": 2, "skill": 1},
    }
    assert (body["requests_met"], body["median_hours_to_meet"]) == (2, 60.0)
    assert body["reservations_completed"] == {"skill": 1, "lend": 1, "give": 2}
    assert body["no_show_rate"] == 0.2
    assert body["skill_service_hours"] == 1.5
    assert body["points_earned"] == 39 + 2 + 10  # the neighbour's jack and grant
    assert body["points_redeemed"] == 15
    assert [
        (row["category"], row["listings"], row["completed"]) for row in body["top_categories"]
    ] == [
        ("tools", 3, 2),
        ("baby_kids", 2, 1),
        ("beauty", 1, 1),
        ("books_education", 1, 0),
        ("food", 1, 0),
    ]
    assert [
        (row["name"], row["listings"], row["completed"]) for row in body["most_active_grids"]
    ] == [
        ("清溪村第一网格", 4, 2),
        ("清溪村第二网格", 4, 1),
        ("雕庄社区第一网格", 1, 1),
        ("清溪村第三网格", 0, 0),
    ]


def test_one_grid_and_one_space_in_november(coordinator_client: Any, november: Village) -> None:
    body = figures(coordinator_client, place_id=november.grid_two.id, **NOVEMBER)

    assert body["place"] == {"id": november.grid_two.id, "name": "清溪村第二网格", "kind": "grid"}
    assert body["listings_posted"] == {
        "offer": {"item": 1, "donation": 1},
        "request": {"item": 1, "skill": 1},
    }
    assert (body["requests_met"], body["median_hours_to_meet"]) == (1, 72.0)
    assert body["reservations_completed"] == {"lend": 1}
    assert body["no_show_rate"] == 0.0
    assert body["skill_service_hours"] == 0.0
    assert (body["points_earned"], body["points_redeemed"]) == (2, 0)  # the lender's 2
    assert [
        (row["category"], row["listings"], row["completed"]) for row in body["top_categories"]
    ] == [
        ("tools", 2, 1),
        ("food", 1, 0),
        ("tutoring", 1, 0),
    ]
    assert body["most_active_grids"] == [
        {"id": november.grid_two.id, "name": "清溪村第二网格", "listings": 4, "completed": 1}
    ]

    # The square, inside grid one: the haircut; the giver lives there; no grid inside it.
    body = figures(coordinator_client, place_id=november.square.id, **NOVEMBER)

    assert body["listings_posted"] == {"offer": {"skill": 1}, "request": {}}
    assert body["reservations_completed"] == {"skill": 1}
    assert (body["no_show_rate"], body["skill_service_hours"]) == (0.0, 1.5)
    assert (body["points_earned"], body["points_redeemed"]) == (2, 0)  # the giver lives here
    assert body["most_active_grids"] == []


def in_the_village(client: Any, november: Village, first: str, last: str) -> dict[str, Any]:
    return figures(client, place_id=november.village.id, **{"from": first, "to": last})


def test_the_period_is_whole_local_days(coordinator_client: Any, november: Village) -> None:
    october_31 = in_the_village(coordinator_client, november, "2026-10-31", "2026-10-31")
    december_1 = in_the_village(coordinator_client, november, "2026-12-01", "2026-12-01")
    # 11-04: four pick-ups and the haircut's completion; 11-07: the no-show alone.
    november_4 = in_the_village(coordinator_client, november, "2026-11-04", "2026-11-04")
    november_7 = in_the_village(coordinator_client, november, "2026-11-07", "2026-11-07")

    assert october_31["listings_posted"] == {"offer": {"item": 1}, "request": {}}
    assert (october_31["requests_met"], october_31["median_hours_to_meet"]) == (0, None)
    assert (october_31["no_show_rate"], october_31["reservations_completed"]) == (None, {})
    assert december_1["listings_posted"] == {"offer": {"item": 1}, "request": {}}
    assert (december_1["points_earned"], december_1["points_redeemed"]) == (7, 0)
    assert november_4["listings_posted"] == {"offer": {}, "request": {}}
    assert november_4["reservations_completed"] == {"skill": 1}
    assert (november_4["no_show_rate"], november_4["points_earned"]) == (0.0, 15)
    assert (november_7["no_show_rate"], november_7["reservations_completed"]) == (1.0, {})

    # Without from and to: the thirty local days up to today.
    clock.freeze(datetime(2026, 11, 30, 15, 59, tzinfo=UTC))  # 23:59 on 11-30 in Qingxi
    default = figures(coordinator_client, place_id=november.village.id)

    assert default["period"] == NOVEMBER
    assert default == figures(coordinator_client, place_id=november.village.id, **NOVEMBER)


def test_a_period_that_ends_before_it_starts_is_invalid(coordinator_client: Any) -> None:
    response = coordinator_client.get("/api/v1/stats?from=2026-11-30&to=2026-11-01")

    assert response.status_code == 422
    assert list(response.json["error"]["details"]["fields"]) == ["from"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("place_id=999999", "place_id"),
        ("place_id=0", "place_id"),
        ("from=yesterday", "from"),
        ("format=xml", "format"),
        ("from=2000-01-01&to=2026-11-30", "from"),
        ("from=0001-01-01&to=2000-01-05", "from"),
        ("from=2100-12-30&to=9999-12-31", "to"),
    ],
)
def test_bad_arguments_are_invalid(coordinator_client: Any, query: str, field: str) -> None:
    response = coordinator_client.get(f"/api/v1/stats?{query}")

    assert response.status_code == 422
    assert list(response.json["error"]["details"]["fields"]) == [field]


# --- the same figures as CSV ---------------------------------------------------------------------


def csv_rows(client: Any, **query: Any) -> list[list[str]]:
    response = client.get("/api/v1/stats", query_string={**query, "format": "csv"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="stats.csv"'
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def from_csv(rows: list[list[str]]) -> dict[str, Any]:
    """The CSV's section,key,value rows read back into the JSON's shape (ids and labels aside)."""
    assert rows[0] == ["section", "key", "value"]
    assert all(len(row) == 3 for row in rows)
    values = {(section, key): value for section, key, value in rows[1:]}
    posted: dict[str, dict[str, int]] = {"offer": {}, "request": {}}
    categories: dict[str, dict[str, Any]] = {}
    grids: dict[str, dict[str, Any]] = {}
    completed: dict[str, int] = {}
    for section, key, value in rows[1:]:
        if section == "listings_posted":
            side, kind = key.split(":")
            posted[side][kind] = int(value)
        elif section == "reservations_completed":
            completed[key] = int(value)
        elif section == "top_categories":
            category, figure = key.rsplit(":", 1)
            categories.setdefault(category, {"category": category})[figure] = int(value)
        elif section == "most_active_grids":
            name, figure = key.rsplit(":", 1)
            grids.setdefault(name, {"name": name})[figure] = int(value)
    median = values[("requests_met", "median_hours")]
    rate = values[("no_show_rate", "rate")]
    return {
        "place": values[("place", "name")],
        "period": {"from": values[("period", "from")], "to": values[("period", "to")]},
        "listings_posted": posted,
        "requests_met": int(values[("requests_met", "count")]),
        "median_hours_to_meet": float(median) if median else None,
        "reservations_completed": completed,
        "no_show_rate": float(rate) if rate else None,
        "skill_service_hours": float(values[("skill_service_hours", "hours")]),
        "points_earned": int(values[("points", "earned")]),
        "points_redeemed": int(values[("points", "redeemed")]),
        "top_categories": list(categories.values()),
        "most_active_grids": list(grids.values()),
    }


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON without what the CSV leaves out (ids, kinds and category labels)."""
    return {
        **body,
        "place": body["place"]["name"] if body["place"] else "all",
        "top_categories": [
            {key: row[key] for key in ("category", "listings", "completed")}
            for row in body["top_categories"]
        ],
        "most_active_grids": [
            {key: row[key] for key in ("name", "listings", "completed")}
            for row in body["most_active_grids"]
        ],
    }


def test_the_csv_carries_the_same_figures_as_the_json(
    coordinator_client: Any, november: Village
) -> None:
    for place in (november.village, None, november.grid_two):
        query = {**NOVEMBER, "place_id": place.id} if place else dict(NOVEMBER)

        rows = csv_rows(coordinator_client, **query)

        assert from_csv(rows) == comparable(figures(coordinator_client, **query))

    # The village's rows as a spreadsheet shows them, in order.
    rows = csv_rows(coordinator_client, place_id=november.village.id, **NOVEMBER)
    assert rows == [
        ["section", "key", "value"],
        ["period", "from", "2026-11-01"],
        ["period", "to", "2026-11-30"],
        ["place", "name", "清溪村"],
        ["listings_posted", "offer:donation", "1"],
        ["listings_posted", "offer:item", "3"],
        ["listings_posted", "offer:skill", "1"],
        ["listings_posted", "request:item", "2"],
        ["listings_posted", "request:skill", "1"],
        ["requests_met", "count", "2"],
        ["requests_met", "median_hours", "60.0"],
        ["reservations_completed", "give", "1"],
        ["reservations_completed", "lend", "1"],
        ["reservations_completed", "skill", "1"],
        ["no_show_rate", "rate", "0.25"],
        ["skill_service_hours", "hours", "1.5"],
        ["points", "earned", "39"],
        ["points", "redeemed", "15"],
        ["top_categories", "baby_kids:listings", "2"],
        ["top_categories", "baby_kids:completed", "1"],
        ["top_categories", "tools:listings", "2"],
        ["top_categories", "tools:completed", "1"],
        ["top_categories", "beauty:listings", "1"],
        ["top_categories", "beauty:completed", "1"],
        ["top_categories", "books_education:listings", "1"],
        ["top_categories", "books_education:completed", "0"],
        ["top_categories", "food:listings", "1"],
        ["top_categories", "food:completed", "0"],
        ["most_active_grids", "清溪村第一网格:listings", "4"],
        ["most_active_grids", "清溪村第一网格:completed", "2"],
        ["most_active_grids", "清溪村第二网格:listings", "4"],
        ["most_active_grids", "清溪村第二网格:completed", "1"],
        ["most_active_grids", "清溪村第三网格:listings", "0"],
        ["most_active_grids", "清溪村第三网格:completed", "0"],
    ]


def test_the_csv_of_an_empty_period_leaves_the_undefined_figures_blank(
    coordinator_client: Any,
) -> None:
    rows = csv_rows(coordinator_client, **{"from": "2026-11-01", "to": "2026-11-30"})

    assert ["requests_met", "median_hours", ""] in rows
    assert ["no_show_rate", "rate", ""] in rows
    assert ["place", "name", "all"] in rows


# --- who sees the figures ------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["json", "csv"])
def test_anonymous_callers_are_told_to_log_in(client: Any, form: str) -> None:
    response = client.get(f"/api/v1/stats?format={form}")

    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("factory", [UserFactory, MerchantFactory])
@pytest.mark.parametrize("form", ["json", "csv"])
def test_residents_and_merchants_do_not_see_the_figures(
    client_as: Any, factory: Any, form: str
) -> None:
    response = client_as(factory()).get(f"/api/v1/stats?format={form}")

    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_admins_see_the_figures(client_as: Any) -> None:
    assert client_as(AdminFactory()).get("/api/v1/stats").status_code == 200
