"""The coordinators' figures and an organisation's impact report, computed in SQL.

Periods are half-open ``[start, end)`` in UTC; the API turns local dates into them. A place
filter covers the place and everything below it. Points are attributed by the member's home
place (a grant or a redemption has no place of its own), so with a place filter they count the
residents who live there.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, distinct, func, select

from marketplace import clock
from marketplace.accounts.models import Organisation, User
from marketplace.errors import Forbidden, Invalid, NotFound
from marketplace.extensions import db
from marketplace.listings.models import CATEGORIES, Listing, ListingSlot
from marketplace.places.models import Place
from marketplace.points.models import EARNING_REASONS, PointsEntry
from marketplace.reservations.models import Reservation


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    first_day: date
    last_day: date


def local_period(first_day: date | None, last_day: date | None) -> Period:
    """Whole local days from ``first_day`` to ``last_day`` (default: the last 30 days)."""
    zone = ZoneInfo(current_app.config["LOCAL_TIMEZONE"])
    today = clock.now().astimezone(zone).date()
    last_day = last_day or today
    first_day = first_day or last_day - timedelta(days=29)
    if first_day > last_day:
        raise Invalid({"from": "Must be on or before the end of the period."})
    if (last_day - first_day).days > 3660:
        raise Invalid({"from": "A period covers at most ten years."})
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    return Period(start, end, first_day, last_day)


def _subtree(place_id: int | None) -> Any:
    if place_id is None:
        return None
    place = db.session.get(Place, place_id)
    if place is None:
        raise Invalid({"place_id": "No such place."})
    return select(Place.id).where(Place.path.startswith(place.path))


def _in_place(column: Any, subtree: Any) -> Any:
    return True if subtree is None else column.in_(subtree)


def _between(column: Any, period: Period) -> Any:
    return and_(column >= period.start, column < period.end)


@dataclass
class Figures:
    place: dict[str, Any] | None
    period: dict[str, str]
    listings_posted: dict[str, dict[str, int]] = field(default_factory=dict)
    requests_met: int = 0
    median_hours_to_meet: float | None = None
    reservations_completed: dict[str, int] = field(default_factory=dict)
    no_show_rate: float | None = None
    skill_service_hours: float = 0.0
    points_earned: int = 0
    points_redeemed: int = 0
    top_categories: list[dict[str, Any]] = field(default_factory=list)
    most_active_grids: list[dict[str, Any]] = field(default_factory=list)


def figures(actor: Any, place_id: int | None, period: Period) -> Figures:
    if not actor.is_staff:
        raise Forbidden("Only community coordinators see the figures.")
    subtree = _subtree(place_id)
    place = db.session.get(Place, place_id) if place_id else None
    result = Figures(
        place={"id": place.id, "name": place.name, "kind": place.kind} if place else None,
        period={"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
    )
    result.listings_posted = _listings_posted(subtree, period)
    result.requests_met, result.median_hours_to_meet = _requests_met(subtree, period)
    result.reservations_completed = _completed_by_kind(subtree, period)
    result.no_show_rate = _no_show_rate(subtree, period)
    result.skill_service_hours = _skill_hours(subtree, period)
    result.points_earned, result.points_redeemed = _points(subtree, period)
    result.top_categories = _top_categories(subtree, period)
    result.most_active_grids = _active_grids(place, period)
    return result


def _listings_posted(subtree: Any, period: Period) -> dict[str, dict[str, int]]:
    rows = db.session.execute(
        select(Listing.side, Listing.kind, func.count(Listing.id))
        .where(_between(Listing.created_at, period), _in_place(Listing.place_id, subtree))
        .group_by(Listing.side, Listing.kind)
    ).all()
    posted: dict[str, dict[str, int]] = {"offer": {}, "request": {}}
    for side, kind, count in rows:
        posted.setdefault(side, {})[kind] = count
    return posted


def _requests_met(subtree: Any, period: Period) -> tuple[int, float | None]:
    rows = db.session.execute(
        select(Listing.created_at, Listing.fulfilled_at).where(
            Listing.side == "request",
            Listing.fulfilled_at.is_not(None),
            _between(Listing.fulfilled_at, period),
            _in_place(Listing.place_id, subtree),
        )
    ).all()
    hours = [(fulfilled - created).total_seconds() / 3600 for created, fulfilled in rows]
    return len(rows), round(statistics.median(hours), 1) if hours else None


def _reservations(subtree: Any) -> Any:
    return (
        select(Reservation)
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(_in_place(Listing.place_id, subtree))
    )


def _completed_by_kind(subtree: Any, period: Period) -> dict[str, int]:
    kind = case(
        (Listing.mode == "lend", "lend"), (Listing.mode == "give", "give"), else_=Listing.kind
    )
    rows = db.session.execute(
        select(kind, func.count(Reservation.id))
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(
            Reservation.status == "completed",
            _between(Reservation.completed_at, period),
            _in_place(Listing.place_id, subtree),
        )
        .group_by(kind)
    ).all()
    return {name: count for name, count in rows}


def _no_show_rate(subtree: Any, period: Period) -> float | None:
    """No-shows among the claims whose pick-up was decided in the period (handed over or missed)."""
    missed = func.sum(cast(Reservation.status == "no_show", Integer))
    row = db.session.execute(
        select(func.count(Reservation.id), missed)
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(
            _in_place(Listing.place_id, subtree),
            (
                and_(Reservation.status == "no_show", _between(Reservation.closed_at, period))
                | and_(
                    Reservation.picked_up_at.is_not(None),
                    _between(Reservation.picked_up_at, period),
                )
            ),
        )
    ).one()
    total, no_shows = row[0] or 0, row[1] or 0
    return round(no_shows / total, 3) if total else None


def _skill_hours(subtree: Any, period: Period) -> float:
    rows = db.session.execute(
        select(ListingSlot.starts_at, ListingSlot.ends_at, Reservation.quantity)
        .join(Reservation, Reservation.slot_id == ListingSlot.id)
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(
            Reservation.status == "completed",
            _between(Reservation.completed_at, period),
            _in_place(Listing.place_id, subtree),
        )
    ).all()
    return round(sum((ends - starts).total_seconds() / 3600 for starts, ends, _quantity in rows), 1)


def _points(subtree: Any, period: Period) -> tuple[int, int]:
    members = (
        select(User.id).where(_in_place(User.home_place_id, subtree))
        if subtree is not None
        else None
    )
    base = [_between(PointsEntry.created_at, period)]
    if members is not None:
        base.append(PointsEntry.user_id.in_(members))
    # A revoked grant was never earned: its compensating entry counts against it, as it does
    # against the member's ``points_earned``.
    earned = db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            *base, PointsEntry.reason.in_((*EARNING_REASONS, "grant_revoked"))
        )
    )
    redeemed = db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            *base, PointsEntry.reason.in_(("redemption", "redemption_refund"))
        )
    )
    return int(earned or 0), -int(redeemed or 0)


def _top_categories(subtree: Any, period: Period, limit: int = 5) -> list[dict[str, Any]]:
    completed = func.count(
        distinct(
            case(
                (
                    and_(
                        Reservation.status == "completed",
                        _between(Reservation.completed_at, period),
                    ),
                    Reservation.id,
                )
            )
        )
    )
    rows = db.session.execute(
        select(Listing.category, func.count(distinct(Listing.id)), completed)
        .outerjoin(Reservation, Reservation.listing_id == Listing.id)
        .where(_between(Listing.created_at, period), _in_place(Listing.place_id, subtree))
        .group_by(Listing.category)
        .order_by(func.count(distinct(Listing.id)).desc(), Listing.category)
        .limit(limit)
    ).all()
    return [
        {
            "category": category,
            "label": CATEGORIES.get(category, category),
            "listings": listings,
            "completed": done,
        }
        for category, listings, done in rows
    ]


def _active_grids(place: Place | None, period: Period, limit: int = 5) -> list[dict[str, Any]]:
    """Grids ranked by listings posted plus exchanges completed in their area."""
    grid_query = select(Place).where(Place.kind == "grid")
    if place is not None:
        grid_query = grid_query.where(Place.path.startswith(place.path))
    ranking = []
    for grid in db.session.scalars(grid_query):
        area = select(Place.id).where(Place.path.startswith(grid.path))
        posted = db.session.scalar(
            select(func.count(Listing.id)).where(
                Listing.place_id.in_(area), _between(Listing.created_at, period)
            )
        )
        completed = db.session.scalar(
            select(func.count(Reservation.id))
            .join(Listing, Reservation.listing_id == Listing.id)
            .where(
                Listing.place_id.in_(area),
                Reservation.status == "completed",
                _between(Reservation.completed_at, period),
            )
        )
        ranking.append(
            {"id": grid.id, "name": grid.name, "listings": posted, "completed": completed}
        )
    ranking.sort(key=lambda row: (-(row["listings"] + row["completed"]), row["name"]))
    return ranking[:limit]


def weekly_activity(actor: Any, place_id: int | None, period: Period) -> list[dict[str, Any]]:
    """Per local week (Monday first) of the period: listings posted and exchanges completed,
    every week present even when nothing happened in it (for the coordinators' charts)."""
    if not actor.is_staff:
        raise Forbidden("Only community coordinators see the figures.")
    subtree = _subtree(place_id)
    zone = ZoneInfo(current_app.config["LOCAL_TIMEZONE"])
    first_monday = period.first_day - timedelta(days=period.first_day.weekday())
    weeks: dict[date, dict[str, Any]] = {}
    monday = first_monday
    while monday <= period.last_day:
        weeks[monday] = {"week_start": monday, "listings": 0, "completed": 0}
        monday += timedelta(days=7)

    def week_of(moment: datetime) -> dict[str, Any] | None:
        day = moment.astimezone(zone).date()
        return weeks.get(day - timedelta(days=day.weekday()))

    posted = db.session.scalars(
        select(Listing.created_at).where(
            _between(Listing.created_at, period), _in_place(Listing.place_id, subtree)
        )
    )
    for created_at in posted:
        if (week := week_of(created_at)) is not None:
            week["listings"] += 1
    completed = db.session.scalars(
        select(Reservation.completed_at)
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(
            Reservation.status == "completed",
            _between(Reservation.completed_at, period),
            _in_place(Listing.place_id, subtree),
        )
    )
    for completed_at in completed:
        if (week := week_of(completed_at)) is not None:
            week["completed"] += 1
    return list(weeks.values())


def as_csv_rows(result: Figures) -> list[list[Any]]:
    """The same figures as (section, key, value) rows."""
    rows: list[list[Any]] = [["section", "key", "value"]]
    rows.append(["period", "from", result.period["from"]])
    rows.append(["period", "to", result.period["to"]])
    rows.append(["place", "name", result.place["name"] if result.place else "all"])
    for side, kinds in result.listings_posted.items():
        for kind, count in sorted(kinds.items()):
            rows.append(["listings_posted", f"{side}:{kind}", count])
    rows.append(["requests_met", "count", result.requests_met])
    rows.append(
        [
            "requests_met",
            "median_hours",
            "" if result.median_hours_to_meet is None else result.median_hours_to_meet,
        ]
    )
    for kind, count in sorted(result.reservations_completed.items()):
        rows.append(["reservations_completed", kind, count])
    rows.append(
        ["no_show_rate", "rate", "" if result.no_show_rate is None else result.no_show_rate]
    )
    rows.append(["skill_service_hours", "hours", result.skill_service_hours])
    rows.append(["points", "earned", result.points_earned])
    rows.append(["points", "redeemed", result.points_redeemed])
    for row in result.top_categories:
        rows.append(["top_categories", f"{row['category']}:listings", row["listings"]])
        rows.append(["top_categories", f"{row['category']}:completed", row["completed"]])
    for row in result.most_active_grids:
        rows.append(["most_active_grids", f"{row['name']}:listings", row["listings"]])
        rows.append(["most_active_grids", f"{row['name']}:completed", row["completed"]])
    return rows


# --- an organisation's impact --------------------------------------------------------------------


def impact(actor: Any, organisation_id: int, period: Period) -> dict[str, Any]:
    """Per month: donations listed, units claimed and handed over, distinct residents served."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("No such organisation.")
    if not (actor.in_organisation(organisation_id) or actor.is_staff):
        raise Forbidden("Only the organisation's members and coordinators see its impact.")
    months: dict[str, dict[str, Any]] = {}

    def month_of(moment: datetime) -> dict[str, Any]:
        key = moment.astimezone(ZoneInfo(current_app.config["LOCAL_TIMEZONE"])).strftime("%Y-%m")
        return months.setdefault(
            key,
            {
                "month": key,
                "donations_listed": 0,
                "units_listed": 0,
                "units_claimed": 0,
                "units_handed_over": 0,
                "residents": set(),
            },
        )

    donations = db.session.execute(
        select(Listing.created_at, Listing.quantity).where(
            Listing.organisation_id == organisation_id,
            Listing.kind == "donation",
            _between(Listing.created_at, period),
        )
    ).all()
    for created_at, quantity in donations:
        row = month_of(created_at)
        row["donations_listed"] += 1
        row["units_listed"] += quantity or 0
    claims = db.session.execute(
        select(
            Reservation.created_at,
            Reservation.picked_up_at,
            Reservation.quantity,
            Reservation.claimant_id,
            Reservation.status,
        )
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(
            Listing.organisation_id == organisation_id,
            Listing.kind == "donation",
            # Claimed in the period, or handed over in it (perhaps claimed before it began).
            _between(Reservation.created_at, period) | _between(Reservation.picked_up_at, period),
        )
    ).all()
    for created_at, picked_up_at, quantity, claimant_id, status in claims:
        claimed = status not in ("waitlisted", "declined", "expired", "cancelled")
        if claimed and _within(created_at, period):
            month_of(created_at)["units_claimed"] += quantity
        if _within(picked_up_at, period):
            month_of(picked_up_at)["units_handed_over"] += quantity
            month_of(picked_up_at)["residents"].add(claimant_id)
    ordered = [
        {**row, "residents_served": len(row.pop("residents"))}
        for _key, row in sorted(months.items())
    ]
    return {
        "organisation": {"id": organisation.id, "name": organisation.name},
        "period": {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
        "months": ordered,
        "totals": {
            name: sum(row[name] for row in ordered)
            for name in ("donations_listed", "units_listed", "units_claimed", "units_handed_over")
        }
        | {"residents_served": len(_handed_over_claimants(claims, period))},
    }


def _within(moment: datetime | None, period: Period) -> bool:
    return moment is not None and period.start <= moment < period.end


def _handed_over_claimants(claims: list[Any], period: Period) -> set[int]:
    return {
        claimant
        for _created, picked_up, _quantity, claimant, _status in claims
        if _within(picked_up, period)
    }
