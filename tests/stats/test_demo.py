"""After ``flask demo load`` the figures and balances show real activity, and the ledger audits
clean."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.places.models import Place


def logged_in(app: Any, email: str) -> Any:
    client = app.test_client()
    assert client.login(email, DEMO_PASSWORD).status_code == 200
    return client


def test_the_demo_village_has_exchanges_points_and_a_clean_ledger(app: Any, cli: Any) -> None:
    loaded = cli("demo", "load")
    assert loaded.exit_code == 0, loaded.output
    qingxi = db.session.scalars(select(Place).where(Place.name == "清溪村")).one()

    figures = logged_in(app, "coordinator@qingxi.example").get(
        f"/api/v1/stats?place_id={qingxi.id}"
    )
    mine = logged_in(app, "zhang@qingxi.example").get("/api/v1/points/me")
    audit = cli("points", "audit")

    assert figures.status_code == 200, figures.json
    assert figures.json["place"]["name"] == "清溪村"
    assert sum(figures.json["reservations_completed"].values()) >= 5
    assert {"skill", "lend"} <= set(figures.json["reservations_completed"])
    assert figures.json["skill_service_hours"] > 0
    assert figures.json["points_earned"] > 0
    assert figures.json["points_redeemed"] > 0
    assert mine.status_code == 200
    assert mine.json["balance"] > 0
    assert mine.json["balance"] == sum(entry["delta"] for entry in mine.json["items"])
    assert {entry["reason"] for entry in mine.json["items"]} >= {"volunteer_grant", "redemption"}
    assert audit.exit_code == 0, audit.output
    assert audit.stdout.strip() == "points: every balance equals its ledger"
