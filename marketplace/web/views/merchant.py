"""A merchant's pages: the organisation's listings, claims to hand over, rewards and impact."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user

from marketplace.errors import DomainError
from marketplace.listings import services as listings
from marketplace.places import services as places
from marketplace.points import services as points
from marketplace.points.schemas import HandOverIn, RewardIn
from marketplace.reservations import services as reservations
from marketplace.reservations.models import Reservation
from marketplace.stats import services as stats
from marketplace.stats.schemas import PeriodArgs
from marketplace.web import bp, charts, forms
from marketplace.web.pages import done, merchant_required, refused, staff_required

IMPACT_DAYS = 365


def _hand_over_day(reservation: Reservation) -> date | None:
    """The local day a confirmed claim is to be handed over, when it has a window or slot."""
    moment = None
    if reservation.pickup_window is not None:
        moment = reservation.pickup_window.starts_at
    elif reservation.slot is not None:
        moment = reservation.slot.starts_at
    elif reservation.starts_on is not None:
        return reservation.starts_on
    return moment.astimezone(forms.local_zone()).date() if moment else None


@bp.get("/merchant")
@merchant_required
def merchant_home() -> Any:
    own = listings.browse(current_user, listings.BrowseFilters(owner="me", per_page=50))
    confirmed, _total = reservations.list_reservations(current_user, "owner", "confirmed", 1, 100)
    pending, _total = reservations.list_reservations(current_user, "owner", "pending", 1, 100)
    today = reservations.local_today()
    due_today = [r for r in confirmed if _hand_over_day(r) in (today, None)]
    later = [r for r in confirmed if r not in due_today]
    rewards, _count = points.list_rewards(False, current_user.organisation_id, 1, 50)
    redemptions, _count = points.list_redemptions(current_user, "merchant", 1, 50)
    return render_template(
        "web/merchant.html",
        listings=own.items,
        pending=pending,
        due_today=due_today,
        later=later,
        rewards=rewards,
        redemptions=redemptions,
        reward_values=request.args,
        places=[place for place in places.list_places() if place.can_host_listings],
        today=today,
    )


@bp.post("/merchant/rewards")
@merchant_required
def create_reward() -> Any:
    target = url_for("web.merchant_home")
    body = forms.cleaned(
        request.form,
        ("title", "description", "points_cost", "stock", "pickup_place_id"),
        integers=("points_cost", "stock", "pickup_place_id"),
    )
    if request.form.get("valid_until", "").strip():
        body["valid_until"] = forms.end_of_local_day(request.form["valid_until"].strip())
    try:
        points.create_reward(current_user, forms.parse(RewardIn(), body))
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done("礼品已上架。", target)


@bp.post("/merchant/rewards/<int:reward_id>/withdraw")
@merchant_required
def withdraw_reward(reward_id: int) -> Any:
    target = url_for("web.merchant_home")
    try:
        reward = points.withdraw_reward(current_user, reward_id)
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(f"「{reward.title}」已下架，已兑换的仍可领取。", target)


@bp.post("/merchant/redemptions/<int:redemption_id>/hand-over")
@merchant_required
def hand_over_reward(redemption_id: int) -> Any:
    target = url_for("web.merchant_home")
    try:
        data = forms.parse(HandOverIn(), forms.cleaned(request.form, ("code",)))
        points.hand_over(current_user, redemption_id, data["code"])
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done("兑换码正确，礼品已交付。", target)


@bp.get("/merchant/impact")
@merchant_required
def impact() -> Any:
    return _impact_page(current_user.organisation_id, url_for("web.impact"))


@bp.get("/staff/organisations/<int:organisation_id>/impact")
@staff_required
def organisation_impact(organisation_id: int) -> Any:
    """The same report for a coordinator, for any organisation."""
    return _impact_page(
        organisation_id, url_for("web.organisation_impact", organisation_id=organisation_id)
    )


def _impact_page(organisation_id: int, action: str) -> Any:
    """The impact report over the period the form asks for (by default the last year)."""
    today = reservations.local_today()
    values = {name: request.args.get(name, "").strip() for name in ("from", "to")}
    values["from"] = values["from"] or (today - timedelta(days=IMPACT_DAYS - 1)).isoformat()
    problem = forms.FormProblem()
    report = None
    try:
        args = forms.parse(PeriodArgs(), {name: value for name, value in values.items() if value})
        period = stats.local_period(args.get("from_"), args.get("to"))
        report = stats.impact(current_user, organisation_id, period)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        problem = forms.FormProblem.of(error)
    return render_template(
        "web/impact.html",
        report=report,
        chart=_impact_chart(report) if report else None,
        problem=problem,
        values=values,
        action=action,
        presets=_period_presets(today),
    ), (422 if problem else 200)


def _impact_chart(report: dict[str, Any]) -> Any:
    return charts.grouped_columns(
        [row["month"] for row in report["months"]],
        {
            "认领件数": [row["units_claimed"] for row in report["months"]],
            "交付件数": [row["units_handed_over"] for row in report["months"]],
        },
        title="每月认领与交付",
    )


def _period_presets(today: date) -> list[tuple[str, dict[str, str]]]:
    """Quick choices of period: the last 30 days, this year, last year, the last 12 months."""
    return [
        ("近 30 天", {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}),
        ("今年", {"from": date(today.year, 1, 1).isoformat(), "to": today.isoformat()}),
        (
            "去年",
            {"from": date(today.year - 1, 1, 1).isoformat(),
             "to": date(today.year - 1, 12, 31).isoformat()},
        ),
        (
            "近一年",
            {"from": (today - timedelta(days=IMPACT_DAYS - 1)).isoformat(),
             "to": today.isoformat()},
        ),
    ]  # fmt: skip
