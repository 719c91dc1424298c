"""The reservation state machine is the one of the design (section 4): one table, used by the
services and printed in the docs; every other move is a 409 invalid_transition."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from marketplace.errors import Forbidden
from marketplace.reservations import transitions
from marketplace.reservations.models import STATUSES
from tests.listing_factories import ItemOfferFactory, LendOfferFactory
from tests.reservation_factories import ReservationFactory, local_today
from tests.reservations.helpers import act, assert_error, reservation_of

# The design's diagram, edge by edge: (action, from, to, for which listings).
DESIGN = {
    ("promote", "waitlisted", "pending", None),
    ("cancel", "waitlisted", "cancelled", None),
    ("confirm", "pending", "confirmed", None),
    ("decline", "pending", "declined", None),
    ("cancel", "pending", "cancelled", None),
    ("expire", "pending", "expired", None),
    # Not drawn in the design: a waitlisted claim whose pick-up time passed can never move up.
    ("expire", "waitlisted", "expired", None),
    ("cancel", "confirmed", "cancelled", None),
    ("pickup", "confirmed", "picked_up", None),
    ("no_show", "confirmed", "no_show", None),
    ("return", "picked_up", "returned", "lend"),
    ("complete", "returned", "completed", "lend"),
    ("complete", "picked_up", "completed", "hand_over"),
}

# Who may make each move (the platform is the sweeper and the waitlist).
WHO = {
    "promote": {"platform"},
    "confirm": {"provider"},
    "decline": {"provider"},
    "expire": {"platform"},
    "cancel": {"claimant", "provider", "coordinator", "platform"},
    "pickup": {"provider"},
    "no_show": {"provider", "platform"},
    "return": {"provider"},
    "complete": {"claimant", "provider"},
}


def table_edges() -> set[tuple[str, str, str, str | None]]:
    scope = {None: None, transitions.LOANS: "lend", transitions.HAND_OVERS: "hand_over"}
    return {
        (t.action, source, t.target, scope[t.applies_to])
        for t in transitions.TRANSITIONS
        for source in t.sources
    }


def test_the_transition_table_is_the_designs_diagram() -> None:
    assert table_edges() == DESIGN


def test_the_table_says_who_makes_each_move() -> None:
    for transition in transitions.TRANSITIONS:
        assert set(transition.actors) == WHO[transition.action], transition.action
    cancel = next(t for t in transitions.TRANSITIONS if t.action == "cancel")
    assert cancel.reason_required_from == {"provider", "coordinator"}


def test_final_states_have_no_way_out() -> None:
    sources = {source for _action, source, _target, _scope in table_edges()}

    assert sources.isdisjoint({"completed", "declined", "cancelled", "expired", "no_show"})
    assert sources | {"completed", "declined", "cancelled", "expired", "no_show"} == set(STATUSES)


def test_the_docs_print_the_same_table(cli: Any, client: Any) -> None:
    printed = cli("reservations", "transitions").output
    spec = client.get("/api/v1/openapi.json").json
    [tag] = [tag for tag in spec["tags"] if tag["name"] == "reservations"]

    assert printed.strip() == transitions.as_markdown()
    assert transitions.as_markdown() in tag["description"]
    rows = printed.strip().splitlines()[2:]
    assert len(rows) == len(transitions.TRANSITIONS)
    assert "| `return` | picked_up | returned | provider | lend |" in rows
    assert (
        "| `cancel` | confirmed, pending, waitlisted | cancelled | claimant, coordinator, platform, provider | all |"
        in rows
    )


def test_platform_moves_are_the_platforms_only(app_ctx: Any) -> None:
    owner_listing = ItemOfferFactory()
    pending = ReservationFactory(listing=owner_listing)
    waiting = ReservationFactory(status="waitlisted")

    with pytest.raises(Forbidden):
        transitions.apply(pending, "expire", owner_listing.owner)
    with pytest.raises(Forbidden):
        transitions.apply(waiting, "promote", waiting.listing.owner)
    with pytest.raises(Forbidden):
        transitions.apply(pending, "confirm", None)

    transitions.apply(pending, "expire", None, "too late")
    assert (pending.status, pending.events[-1].actor_id) == ("expired", None)


# --- every action from every state, over HTTP --------------------------------------------------------

# endpoint: (action in the table, who asks, body, {kind: {from: to}})
LEGAL: dict[str, tuple[str, str, dict[str, str], dict[str, dict[str, str]]]] = {
    "confirm": ("confirm", "owner", {}, {"give": {"pending": "confirmed"}}),
    "decline": ("decline", "owner", {"reason": "不方便"}, {"give": {"pending": "declined"}}),
    "cancel": (
        "cancel",
        "claimant",
        {},
        {"give": {s: "cancelled" for s in ("waitlisted", "pending", "confirmed")}},
    ),
    "pickup": ("pickup", "owner", {}, {"give": {"confirmed": "picked_up"}}),
    "no-show": ("no_show", "owner", {}, {"give": {"confirmed": "no_show"}}),
    "return": ("return", "owner", {}, {"give": {}, "lend": {"picked_up": "returned"}}),
    "complete": (
        "complete",
        "claimant",
        {},
        {"give": {"picked_up": "completed"}, "lend": {"returned": "completed"}},
    ),
}


@pytest.mark.parametrize("kind", ["give", "lend"])
@pytest.mark.parametrize("endpoint", list(LEGAL))
def test_each_action_from_each_state(
    endpoint: str, kind: str, owner_client: Any, claimant_client: Any, owner: Any, claimant: Any
) -> None:
    action, asker, body, legal_by_kind = LEGAL[endpoint]
    legal = legal_by_kind.get(kind, legal_by_kind["give"])
    client = owner_client if asker == "owner" else claimant_client
    listing_factory = ItemOfferFactory if kind == "give" else LendOfferFactory

    outcomes = {}
    for status in STATUSES:
        # Loans start today: a lent item is handed over from its loan's first day. A no-show
        # is recorded once that day is over: those loans started yesterday.
        first_day = local_today() - timedelta(days=endpoint == "no-show")
        starts = {"starts_on": first_day} if kind == "lend" else {}
        reservation = ReservationFactory(
            listing=listing_factory(owner=owner), claimant=claimant, status=status, **starts
        )
        extra = {"code": reservation.pickup_code} if endpoint == "pickup" else {}
        response = act(client, reservation, endpoint, **body, **extra)
        if status in legal:
            assert response.status_code == 200, (status, response.json)
        else:
            details = assert_error(response, 409, "invalid_transition")
            assert details == {"status": status, "action": action}
        outcomes[status] = reservation_of(reservation.id).status

    assert outcomes == {status: legal.get(status, status) for status in STATUSES}
