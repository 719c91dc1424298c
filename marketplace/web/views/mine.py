"""A user's own pages: reservations (as claimant and as owner), notifications, points."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import render_template, request, url_for
from flask_login import current_user

from marketplace.errors import DomainError, NotFound
from marketplace.notifications import messages
from marketplace.notifications import services as notifications
from marketplace.points import services as points
from marketplace.reservations import services as reservations
from marketplace.reservations import transitions
from marketplace.reservations.models import Reservation
from marketplace.reservations.schemas import CancelIn, DeclineIn, PickupIn
from marketplace.web import bp, forms
from marketplace.web.pages import done, login_required, refused

PER_PAGE = 20


def _page_number() -> int:
    number = forms.as_integer(request.args.get("page", "1"))
    return number if isinstance(number, int) and 1 <= number <= 10_000 else 1


# --- reservations --------------------------------------------------------------------------------


def actions_for(reservation: Reservation, side: str) -> list[str]:
    """The transitions the state machine lets the current user make on this reservation now,
    as the claimant or as the provider (the tab the page shows)."""
    wanted = transitions.CLAIMANT if side == "claimant" else transitions.PROVIDER
    roles = transitions.roles_of(current_user, reservation) & {wanted}
    return [
        transition.action
        for transition in transitions.TRANSITIONS
        if reservation.status in transition.sources
        and roles & transition.actors
        and transition.applies(reservation)
    ]


@bp.get("/me/reservations")
@login_required
def reservations_page() -> Any:
    role = "owner" if request.args.get("role") == "owner" else "claimant"
    page = _page_number()
    items, total = reservations.list_reservations(current_user, role, None, page, PER_PAGE)
    return render_template(
        "web/reservations.html",
        role=role,
        items=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        actions=lambda reservation: actions_for(reservation, role),
        page_url=lambda number: url_for("web.reservations_page", role=role, page=number),
    )


# Each action: the service, and the schema of its form (None: no fields).
ACTIONS: dict[str, tuple[Callable[..., Reservation], ma.Schema | None]] = {
    "confirm": (reservations.confirm, None),
    "decline": (reservations.decline, DeclineIn()),
    "cancel": (reservations.cancel, CancelIn()),
    "pickup": (reservations.pickup, PickupIn()),
    "return": (reservations.mark_returned, None),
    "complete": (reservations.complete, None),
    "no_show": (reservations.mark_no_show, None),
}

DONE_MESSAGES = {
    "confirm": "已确认，请按约定时间交接。",
    "decline": "已告知对方。",
    "cancel": "预约已取消。",
    "pickup": "领取码正确，已交接！",
    "return": "已记录归还。",
    "complete": "交换完成，谢谢分享！",
    "no_show": "已记为爽约。",
}


@bp.post("/me/reservations/<int:reservation_id>/<action>")
@login_required
def reservation_action(reservation_id: int, action: str) -> Any:
    if action not in ACTIONS:
        raise NotFound("No such action.")
    role = "owner" if request.form.get("role") == "owner" else "claimant"
    target = url_for("web.reservations_page", role=role)
    service, schema = ACTIONS[action]
    try:
        data = (
            forms.parse(schema, forms.cleaned(request.form, ("reason", "code"))) if schema else {}
        )
        service(current_user, reservation_id, **data)
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(DONE_MESSAGES[action], target)


# --- notifications -------------------------------------------------------------------------------


@bp.get("/me/notifications")
@login_required
def notifications_page() -> Any:
    page = _page_number()
    items, total, unread = notifications.inbox(current_user.id, False, page, PER_PAGE)
    return render_template(
        "web/notifications.html",
        items=[(item, messages.render(item.kind, item.payload)) for item in items],
        total=total,
        unread=unread,
        page=page,
        per_page=PER_PAGE,
    )


@bp.post("/me/notifications/read")
@login_required
def notifications_read() -> Any:
    notifications.mark_all_read(current_user.id)
    return done("已全部标为已读。", url_for("web.notifications_page"))


# --- points and rewards --------------------------------------------------------------------------


@bp.get("/me/points")
@login_required
def points_page() -> Any:
    balance, earned, entries, _total = points.my_points(current_user, 1, PER_PAGE)
    rewards, _count = points.list_rewards(True, None, 1, 50)
    redemptions, _count = points.list_redemptions(current_user, None, 1, PER_PAGE)
    return render_template(
        "web/points.html",
        balance=balance,
        earned=earned,
        entries=entries,
        rewards=rewards,
        redemptions=redemptions,
    )


@bp.post("/rewards/<int:reward_id>/redeem")
@login_required
def redeem(reward_id: int) -> Any:
    target = url_for("web.points_page")
    try:
        redemption = points.redeem(current_user, reward_id)
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(f"兑换成功！领取时出示兑换码 {redemption.pickup_code}。", target)
