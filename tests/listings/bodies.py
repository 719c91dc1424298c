"""Request bodies for posting each side and kind of listing; valid unless a test overrides."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from marketplace import clock


def later(**delta: float) -> str:
    """An ISO 8601 time this far from the (possibly frozen) clock, e.g. ``later(days=1)``."""
    return (clock.now() + timedelta(**delta)).isoformat()


def earlier(**delta: float) -> str:
    return (clock.now() - timedelta(**delta)).isoformat()


def _common(place_id: int, title: str, category: str, tags: list[str]) -> dict[str, Any]:
    return {"title": title, "category": category, "tags": tags, "place_id": place_id}


def item_offer(place_id: int, **fields: Any) -> dict[str, Any]:
    """An item given away."""
    body = {
        "side": "offer",
        "kind": "item",
        "mode": "give",
        **_common(place_id, "儿童自行车", "baby_kids", ["自行车", "儿童"]),
    }
    return {**body, **fields}


def lend_offer(place_id: int, **fields: Any) -> dict[str, Any]:
    """An item lent for up to a week."""
    body = {
        "side": "offer",
        "kind": "item",
        "mode": "lend",
        "max_lend_days": 7,
        **_common(place_id, "冲击钻出借", "tools", ["电钻"]),
    }
    return {**body, **fields}


def skill_offer(place_id: int, **fields: Any) -> dict[str, Any]:
    """Free haircuts in two slots tomorrow."""
    body = {
        "side": "offer",
        "kind": "skill",
        "slots": [
            {"starts_at": later(days=1), "ends_at": later(days=1, hours=1), "capacity": 3},
            {"starts_at": later(days=1, hours=1), "ends_at": later(days=1, hours=2)},
        ],
        **_common(place_id, "义务理发", "beauty", ["理发", "助老"]),
    }
    return {**body, **fields}


def donation_offer(place_id: int, **fields: Any) -> dict[str, Any]:
    """Fifty bags of rice, two per household, collected at the square."""
    body = {
        "side": "offer",
        "kind": "donation",
        "quantity": 50,
        "per_person_limit": 2,
        "pickup_windows": [
            {"starts_at": later(days=2), "ends_at": later(days=2, hours=4), "place_id": place_id}
        ],
        **_common(place_id, "爱心大米捐赠", "food", ["大米", "捐赠"]),
    }
    return {**body, **fields}


def item_request(place_id: int, **fields: Any) -> dict[str, Any]:
    body = {
        "side": "request",
        "kind": "item",
        "needed_by": later(days=10),
        **_common(place_id, "求一辆婴儿车", "baby_kids", ["婴儿车"]),
    }
    return {**body, **fields}


def skill_request(place_id: int, **fields: Any) -> dict[str, Any]:
    body = {
        "side": "request",
        "kind": "skill",
        "urgency": "high",
        **_common(place_id, "求初中数学辅导", "tutoring", ["数学"]),
    }
    return {**body, **fields}
