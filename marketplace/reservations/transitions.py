"""The reservation state machine: one table that the services apply and the docs print.

```
            +--> declined
pending ----+--> confirmed --+--> picked_up --+--> returned --> completed   (lend)
   |   \\         |            |               +--> completed               (give, donation, skill)
   |    \\        |            +--> no_show
   |     +-------+--> cancelled (by claimant, or by owner with a reason)
   +--> expired (the hold was not confirmed in time)
waitlisted --> pending (promoted when capacity frees up) | cancelled
           +--> expired (its pick-up window, slot or loan start passed while it waited,
                         everything was handed over, or the listing expired)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marketplace import clock
from marketplace.errors import Conflict, Forbidden
from marketplace.reservations import records
from marketplace.reservations.models import Reservation

CLAIMANT, PROVIDER, STAFF, PLATFORM = "claimant", "provider", "coordinator", "platform"
LOANS, HAND_OVERS = "lend", "give, donation, skill"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    # None: any listing; otherwise only loans (LOANS) or only everything else (HAND_OVERS).
    applies_to: str | None = None
    reason_required_from: frozenset[str] = frozenset()
    description: str = ""

    def applies(self, reservation: Reservation) -> bool:
        if self.applies_to is None:
            return True
        return reservation.listing.is_loan == (self.applies_to == LOANS)


def _t(action: str, sources: str, target: str, actors: str, **options: Any) -> Transition:
    return Transition(
        action, frozenset(sources.split()), target, frozenset(actors.split()), **options
    )


TRANSITIONS: tuple[Transition, ...] = (
    _t(
        "promote",
        "waitlisted",
        "pending",
        PLATFORM,
        description="capacity freed up; oldest claim that fits",
    ),
    _t("confirm", "pending", "confirmed", PROVIDER, description="the owner accepts the claim"),
    _t("decline", "pending", "declined", PROVIDER, description="the owner turns the claim down"),
    _t("expire", "pending", "expired", PLATFORM, description="nobody confirmed the hold in time"),
    _t(
        "expire",
        "waitlisted",
        "expired",
        PLATFORM,
        description="its pick-up window, slot or loan start passed before it could move up, "
        "everything was handed over, or the listing expired",
    ),
    _t(
        "cancel",
        "waitlisted pending confirmed",
        "cancelled",
        f"{CLAIMANT} {PROVIDER} {STAFF} {PLATFORM}",
        reason_required_from=frozenset({PROVIDER, STAFF}),
        description="the claimant changes their mind, the owner withdraws the promise with a "
        "reason, or the listing is withdrawn or taken down by moderation",
    ),
    _t(
        "pickup",
        "confirmed",
        "picked_up",
        PROVIDER,
        description="handed over; needs the claimant's code, and comes no earlier than the "
        "loan's first day or shortly before the skill slot",
    ),
    _t(
        "no_show",
        "confirmed",
        "no_show",
        f"{PROVIDER} {PLATFORM}",
        description="the claimant did not come",
    ),
    _t(
        "return",
        "picked_up",
        "returned",
        PROVIDER,
        applies_to=LOANS,
        description="the lent item is back",
    ),
    _t(
        "complete",
        "picked_up",
        "completed",
        f"{CLAIMANT} {PROVIDER}",
        applies_to=HAND_OVERS,
        description="the exchange is done",
    ),
    _t(
        "complete",
        "returned",
        "completed",
        f"{CLAIMANT} {PROVIDER}",
        applies_to=LOANS,
        description="the loan is closed",
    ),
)


def roles_of(user: Any, reservation: Reservation) -> set[str]:
    roles = set()
    if user is None:
        return {PLATFORM}
    if reservation.is_claimant(user):
        roles.add(CLAIMANT)
    if reservation.is_provider(user):
        roles.add(PROVIDER)
    if getattr(user, "is_staff", False):
        roles.add(STAFF)
    return roles


def find(action: str, reservation: Reservation) -> Transition:
    """The transition ``action`` from the reservation's current state, or 409 invalid_transition."""
    for transition in TRANSITIONS:
        if (
            transition.action == action
            and reservation.status in transition.sources
            and transition.applies(reservation)
        ):
            return transition
    raise Conflict(
        "invalid_transition",
        f"A {reservation.status} reservation cannot be {_past(action)}.",
        details={"status": reservation.status, "action": action},
    )


def _past(action: str) -> str:
    return {
        "confirm": "confirmed",
        "decline": "declined",
        "cancel": "cancelled",
        "pickup": "picked up",
        "return": "returned",
        "complete": "completed",
        "no_show": "marked as a no-show",
        "expire": "expired",
        "promote": "promoted",
    }.get(action, action)


def check(reservation: Reservation, action: str, actor: Any, note: str = "") -> Transition:
    """The transition ``action`` if the actor may make it now (409 when the state does not
    allow it, 403 when the actor may not, 409 ``reason_required`` when a reason is missing)."""
    transition = find(action, reservation)
    roles = roles_of(actor, reservation) & transition.actors
    if not roles:
        raise Forbidden(f"You cannot {action.replace('_', ' ')} this reservation.")
    if roles <= transition.reason_required_from and not note.strip():
        raise Conflict("reason_required", "Say why (reason).")
    return transition


def apply(
    reservation: Reservation,
    action: str,
    actor: Any,
    note: str = "",
    *,
    lands_on: str | None = None,
    also: dict[str, Any] | None = None,
) -> Transition:
    """Check who may make the transition, then make it and record it. ``actor`` None is the
    platform.

    One UPDATE writes the new status, the stamps that state carries and the columns in
    ``also``; one INSERT adds the event. ``lands_on`` names where the claim goes when it goes
    past the transition's target: a waitlisted claim of an auto-confirm listing that moves up
    is confirmed at once, and its one event says so."""
    transition = check(reservation, action, actor, note)
    now = clock.now()
    source, target = reservation.status, lands_on or transition.target
    # The UPDATE first: it waits for the event's INSERT and goes out with it (see records).
    # A hold ends with the pending state, however it ends.
    hold = {"hold_expires_at": None} if source == "pending" else {}
    records.write(
        reservation,
        {"status": target, "updated_at": now, **hold, **_stamps(target, now, note), **(also or {})},
    )
    records.record_event(
        reservation,
        action=action,
        from_status=source,
        to_status=target,
        actor_id=actor.id if actor is not None else None,
        at=now,
        note=note,
    )
    return transition


def _stamps(status: str, now: Any, note: str) -> dict[str, Any]:
    """The columns that say when the reservation reached ``status`` (and why it closed)."""
    column = {
        "confirmed": "confirmed_at",
        "picked_up": "picked_up_at",
        "returned": "returned_at",
        "completed": "completed_at",
    }.get(status)
    if column:
        return {column: now}
    if status in ("declined", "cancelled", "expired", "no_show"):
        return {"closed_at": now, "close_reason": note}
    return {}


def as_markdown() -> str:
    """The table for the README and the API docs."""
    lines = [
        "| action | from | to | who | for |",
        "|---|---|---|---|---|",
    ]
    for transition in TRANSITIONS:
        lines.append(
            f"| `{transition.action}` | {', '.join(sorted(transition.sources))} | {transition.target} | "
            f"{', '.join(sorted(transition.actors))} | {transition.applies_to or 'all'} |"
        )
    return "\n".join(lines)
