"""Demo activity: completed exchanges, points and rewards, so that figures and balances show
something real after ``flask demo load``. Runs once: skipped when any reservation exists."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from marketplace import clock
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.places.models import Place
from marketplace.points import services as points
from marketplace.points.models import Reward
from marketplace.reservations import services as reservations
from marketplace.reservations.models import Reservation

MARKET, BARBER = "market@qingxi.example", "barber@qingxi.example"
COORDINATOR = "coordinator@qingxi.example"

# (claimant, listing title, claim details, who completes) — each runs claim → confirm → pick-up → complete.
# Hand-overs happen as the demo loads, so sessions are those starting in a few minutes (slot 0)
# and loans start today.
EXCHANGES: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("liu@qingxi.example", "爱心大米", {"quantity": 1, "window": 0}, "claimant"),
    ("sun@qingxi.example", "爱心大米", {"quantity": 1, "window": 0}, "claimant"),
    ("chen@qingxi.example", "临期牛奶", {"quantity": 2, "window": 0}, "claimant"),
    ("liu@qingxi.example", "闲置电饭煲", {}, "owner"),
    ("zhang@qingxi.example", "老人免费理发", {"slot": 0}, "claimant"),
    ("sun@qingxi.example", "智能手机使用教学", {"slot": 0}, "claimant"),
    ("tom@qingxi.example", "冲击电钻出借", {"loan_days": (0, 1)}, "owner"),
    (
        "zhao@qingxi.example",
        "血压计出借",
        {"loan_days": (0, 2), "request": "需要血压计"},
        "claimant",
    ),
    (
        "chen@qingxi.example",
        "冲击电钻出借",
        {"loan_days": (0, 1), "request": "需要一台电钻"},
        "claimant",
    ),
)


def load_activity() -> int:
    """Create the demo exchanges, grants and rewards; returns how many exchanges completed."""
    if db.session.scalar(select(Reservation.id).limit(1)) is not None:
        return 0
    users = {user.email: user for user in db.session.scalars(select(User))}
    completed = sum(_exchange(users, *exchange) for exchange in EXCHANGES)
    coordinator = users[COORDINATOR]
    points.grant(coordinator, users["zhang@qingxi.example"].id, 20, "健康广场义务清洁")
    points.grant(coordinator, users["chen@qingxi.example"].id, 30, "重阳节敬老活动志愿者")
    haircut = _reward(users[BARBER], "免费理发一次", 15, "技能服务站")
    _reward(users[MARKET], "洗衣液一瓶", 30, "资源服务站")
    points.redeem(users["zhang@qingxi.example"], haircut.id)
    return completed


def _exchange(
    users: dict[str, User], claimant_email: str, title: str, details: dict[str, Any], completer: str
) -> int:
    listing = db.session.scalar(select(Listing).where(Listing.title == title))
    if listing is None or not listing.is_public:
        return 0
    claimant = users[claimant_email]
    owner = db.session.get(User, listing.owner_id)
    claim = reservations.Claim(quantity=details.get("quantity"))
    if "window" in details:
        claim = reservations.Claim(
            quantity=details["quantity"],
            pickup_window_id=listing.pickup_windows[details["window"]].id,
        )
    elif "slot" in details:
        claim = reservations.Claim(slot_id=listing.slots[details["slot"]].id)
    elif "loan_days" in details:
        today = reservations.local_today()
        first, last = details["loan_days"]
        claim = reservations.Claim(
            starts_on=today + timedelta(days=first), ends_on=today + timedelta(days=last)
        )
    if "request" in details:
        request_id = db.session.scalar(
            select(Listing.id).where(Listing.title == details["request"])
        )
        claim = replace(claim, request_id=request_id)
    reservation = reservations.claim(claimant, listing.id, claim)
    if reservation.status == "pending":
        reservations.confirm(owner, reservation.id)
    reservations.pickup(owner, reservation.id, reservation.pickup_code)
    if listing.is_loan:
        reservations.mark_returned(owner, reservation.id)
    reservations.complete(claimant if completer == "claimant" else owner, reservation.id)
    return 1


def _reward(merchant: User, title: str, cost: int, place_name: str) -> Reward:
    place = db.session.scalar(select(Place).where(Place.name == place_name))
    return points.create_reward(
        merchant,
        {
            "title": title,
            "description": "感谢您参与益起来志愿积分",
            "points_cost": cost,
            "stock": 10,
            "valid_until": clock.now() + timedelta(days=90),
            "pickup_place_id": place.id,
        },
    )
