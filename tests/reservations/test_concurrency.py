"""Invariants 1 and 2 hold under concurrent claims, on SQLite and on PostgreSQL.

Fifty threads, each in its own app context and so with its own session and database connection,
wait at one barrier and claim together: five units of a donation, five places of a skill slot,
or overlapping days of one lent item. Each test runs many rounds with fresh listings and
claimants; the data is really committed (the ``committed`` fixture empties the tables after).

What holds the line: every claim locks the listing's row first (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the writing transaction began with ``BEGIN IMMEDIATE`` and holds the
database's write lock), then takes units by adding to the counter (``units_reserved =
units_reserved + n``) and slot places with a conditional update; the CHECK constraints and, for
loans, PostgreSQL's exclusion constraint are the last line. A claim that loses a
database race is retried and never answers 500. No outcome here may be a 503 either: with the
lock taken first, claims queue rather than collide, so nothing is left to retry.

Two tests take the service's lock away and show the database holding the line alone: the CHECK
constraint on claimed units on either database, the exclusion constraint on PostgreSQL. The
expected-to-fail tests take the defences away and show that the same harness catches the
oversell that follows.

One claimant's claims of different listings share no listing lock: the claimant's own row lock
keeps their quota (with an expected-to-fail test without it), and reads their status afresh, so
a suspension committed while a claim waited refuses it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.moderation import services as moderation
from marketplace.reservations import capacity, services
from marketplace.reservations.models import Reservation
from marketplace.reservations.services import Claim
from tests.factories import CoordinatorFactory
from tests.listing_factories import (
    DonationOfferFactory,
    LendOfferFactory,
    ListingSlotFactory,
    SkillOfferFactory,
)
from tests.reservations.concurrency_helpers import (
    answer_of,
    assert_slot_kept,
    assert_units_kept,
    close_app,
    concurrent_app,
    held_periods,
    held_units,
    new_claimants,
    overlapping_loans,
    run_together,
    session_of,
    unexpected,
    units_oversold,
)

# Many connections at once: these run one after another in one xdist worker (--dist loadgroup).
pytestmark = [pytest.mark.concurrency, pytest.mark.xdist_group("many_connections")]

CLAIMANTS = 50
UNITS = 5
ROUNDS = 10


@pytest.fixture(scope="module")
def racing_app(
    app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The threads' app: the database the suite's ``app`` built, a connection for every thread."""
    racing = concurrent_app(database_url, tmp_path_factory.mktemp("racing"), CLAIMANTS)
    yield racing
    close_app(racing)


@pytest.fixture
def race(committed: Flask, racing_app: Flask) -> Flask:
    """Committed data, separate connections; every table is emptied after the test."""
    return racing_app


def claimants() -> list[int]:
    return new_claimants(CLAIMANTS)


def donation_of(units: int) -> dict[str, int]:
    donation = DonationOfferFactory(quantity=units, per_person_limit=None)
    return {"listing_id": donation.id, "pickup_window_id": donation.pickup_windows[0].id}


def skip_on_sqlite(app: Flask, reason: str) -> None:
    """Skip a test whose race only PostgreSQL can have; ``reason`` says why SQLite cannot."""
    with session_of(app):
        if db.engine.dialect.name == "sqlite":
            pytest.skip(reason)


def claims_together(
    app: Flask, listing_id: int, claimant_ids: list[int], claims: list[Claim]
) -> list[str]:
    """Each claimant makes their claim in a thread of their own; outcome: the reservation's
    status or the error's code."""

    def attempt(index: int, start: Callable[[], Any]) -> str:
        with app.app_context():
            start()
            # As a request does: load the caller, then claim, in one session.
            actor = db.session.get(User, claimant_ids[index])
            return services.claim(actor, listing_id, claims[index]).status

    return run_together(len(claimant_ids), attempt)


# --- invariant 1: units of a donation ------------------------------------------------------------


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_fifty_claims_on_five_units_give_exactly_five(race: Flask, round_number: int) -> None:
    with session_of(race) as session:
        donation, claimant_ids = donation_of(UNITS), claimants()
        session.commit()
    window = Claim(pickup_window_id=donation["pickup_window_id"])

    outcomes = claims_together(race, donation["listing_id"], claimant_ids, [window] * CLAIMANTS)

    assert unexpected(outcomes) == []
    assert Counter(outcomes) == {"confirmed": UNITS, "sold_out": CLAIMANTS - UNITS}
    with session_of(race):
        assert_units_kept(donation["listing_id"])
        listing = db.session.get(Listing, donation["listing_id"])
        assert (listing.units_reserved, listing.status) == (UNITS, "fully_reserved")


def test_claims_that_may_wait_are_waitlisted_once_the_units_are_gone(race: Flask) -> None:
    """Odd claimants ask for the waitlist: whoever loses the race waits if they asked, and is
    told sold_out if they did not; waiting claims hold nothing."""
    for _round in range(2):
        with session_of(race) as session:
            donation, claimant_ids = donation_of(UNITS), claimants()
            session.commit()

        claims = [
            Claim(pickup_window_id=donation["pickup_window_id"], waitlist=index % 2 == 1)
            for index in range(CLAIMANTS)
        ]

        outcomes = claims_together(race, donation["listing_id"], claimant_ids, claims)

        assert unexpected(outcomes) == []
        assert outcomes.count("confirmed") == UNITS
        for index, outcome in enumerate(outcomes):
            assert outcome in ("confirmed", "waitlisted" if index % 2 else "sold_out")
        with session_of(race):
            assert_units_kept(donation["listing_id"])


# --- a take-down racing the claims ---------------------------------------------------------------


@pytest.mark.parametrize("round_number", range(3))
def test_a_listing_hidden_while_claims_race_keeps_no_open_claim(
    race: Flask, round_number: int
) -> None:
    """A coordinator hides the donation while forty-nine residents claim it: the hide and the
    claims take turns on the listing's row lock, so every claim either committed first and is
    cancelled by the take-down, or runs after it and is refused."""
    with session_of(race) as session:
        donation, claimant_ids = donation_of(UNITS), new_claimants(CLAIMANTS - 1)
        coordinator_id = CoordinatorFactory().id
        session.commit()
    listing_id = donation["listing_id"]
    window = Claim(pickup_window_id=donation["pickup_window_id"], waitlist=True)

    def attempt(index: int, start: Callable[[], Any]) -> str:
        with race.app_context():
            start()
            if index == 0:
                coordinator = db.session.get(User, coordinator_id)
                return moderation.moderate_listing(
                    coordinator, listing_id, "hide", "假货"
                ).moderation
            actor = db.session.get(User, claimant_ids[index - 1])
            return services.claim(actor, listing_id, window).status

    outcomes = run_together(CLAIMANTS, attempt)

    assert unexpected(outcomes) == []
    assert outcomes[0] == "hidden"
    assert set(outcomes[1:]) <= {"confirmed", "waitlisted", "not_found", "not_claimable"}
    with session_of(race):
        listing = db.session.get(Listing, listing_id)
        statuses = Counter(
            db.session.scalars(
                select(Reservation.status).where(Reservation.listing_id == listing_id)
            )
        )
        assert listing.moderation == "hidden"
        assert set(statuses) <= {"cancelled"}, statuses
        assert (listing.units_reserved, held_units(listing_id)) == (0, 0)


# --- invariant 1: places of a skill slot ---------------------------------------------------------


def skill_slot_of(places: int) -> dict[str, int]:
    skill = SkillOfferFactory(slots=[])
    slot = ListingSlotFactory(listing=skill, capacity=places)
    return {"listing_id": skill.id, "slot_id": slot.id}


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_fifty_bookings_of_a_five_place_slot_give_exactly_five(
    race: Flask, round_number: int
) -> None:
    with session_of(race) as session:
        skill, claimant_ids = skill_slot_of(UNITS), claimants()
        session.commit()
    booking = Claim(slot_id=skill["slot_id"])

    outcomes = claims_together(race, skill["listing_id"], claimant_ids, [booking] * CLAIMANTS)

    assert unexpected(outcomes) == []
    assert Counter(outcomes) == {"pending": UNITS, "slot_full": CLAIMANTS - UNITS}
    with session_of(race):
        assert_slot_kept(skill["slot_id"])
        assert db.session.get(Listing, skill["listing_id"]).status == "fully_reserved"


def test_bookings_that_may_wait_are_waitlisted_once_the_slot_is_full(race: Flask) -> None:
    with session_of(race) as session:
        skill, claimant_ids = skill_slot_of(UNITS), claimants()
        session.commit()
    booking = Claim(slot_id=skill["slot_id"], waitlist=True)

    outcomes = claims_together(race, skill["listing_id"], claimant_ids, [booking] * CLAIMANTS)

    assert unexpected(outcomes) == []
    assert Counter(outcomes) == {"pending": UNITS, "waitlisted": CLAIMANTS - UNITS}
    with session_of(race):
        assert_slot_kept(skill["slot_id"])


# --- invariant 2: lending periods ----------------------------------------------------------------


def lent_item() -> int:
    return LendOfferFactory(max_lend_days=7).id


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_fifty_claims_of_the_same_days_lend_the_item_once(race: Flask, round_number: int) -> None:
    with session_of(race) as session:
        listing_id, claimant_ids = lent_item(), claimants()
        session.commit()
        first_day = services.local_today() + timedelta(days=2)
    same_days = Claim(starts_on=first_day, ends_on=first_day + timedelta(days=2))

    outcomes = claims_together(race, listing_id, claimant_ids, [same_days] * CLAIMANTS)

    assert unexpected(outcomes) == []
    assert Counter(outcomes) == {"pending": 1, "overlap": CLAIMANTS - 1}
    with session_of(race):
        assert held_periods(listing_id) == [(same_days.starts_on, same_days.ends_on)]


GROUPS = 5


@pytest.mark.parametrize("round_number", range(2))
def test_overlapping_periods_lend_the_item_once_per_set_that_overlaps(
    race: Flask, round_number: int
) -> None:
    """Five sets of ten claims; within a set every period contains the set's middle day (so any
    two overlap) and no period of one set touches another set's: exactly one claim per set."""
    with session_of(race) as session:
        listing_id, claimant_ids = lent_item(), claimants()
        session.commit()
        today = services.local_today()

    def claim_of(index: int) -> Claim:
        middle = today + timedelta(days=3 + 6 * (index % GROUPS))
        before, after = (index // GROUPS) % 3, (index // GROUPS) % 4
        return Claim(
            starts_on=middle - timedelta(days=before), ends_on=middle + timedelta(days=after)
        )

    outcomes = claims_together(
        race, listing_id, claimant_ids, [claim_of(i) for i in range(CLAIMANTS)]
    )

    assert unexpected(outcomes) == []
    assert Counter(outcomes) == {"pending": GROUPS, "overlap": CLAIMANTS - GROUPS}
    for group in range(GROUPS):
        won = [outcomes[i] for i in range(group, CLAIMANTS, GROUPS)].count("pending")
        assert won == 1, f"set {group}: {won} claims won"
    with session_of(race):
        assert overlapping_loans(listing_id) == []


# --- one claimant's quota of open claims ---------------------------------------------------------

QUOTA = 5  # the default of RESERVATION_MAX_ACTIVE


def claims_of_one_claimant(app: Flask) -> list[str]:
    """One claimant claims fifty one-unit donations at once, a different one in each thread:
    no listing lock is shared, so only the claimant's own lock serialises the claims."""
    with session_of(app) as session:
        donations = [donation_of(1) for _ in range(CLAIMANTS)]
        (claimant_id,) = new_claimants(1)
        session.commit()

    def attempt(index: int, start: Callable[[], Any]) -> str:
        donation = donations[index]
        with app.app_context():
            start()
            actor = db.session.get(User, claimant_id)
            window = Claim(pickup_window_id=donation["pickup_window_id"])
            return services.claim(actor, donation["listing_id"], window).status

    return run_together(CLAIMANTS, attempt)


@pytest.mark.parametrize("round_number", range(3))
def test_one_claimants_fifty_claims_at_once_stay_within_the_quota(
    race: Flask, round_number: int
) -> None:
    outcomes = claims_of_one_claimant(race)

    assert unexpected(outcomes) == []
    assert Counter(outcomes) == {"confirmed": QUOTA, "quota_exceeded": CLAIMANTS - QUOTA}


def test_a_claim_waiting_for_its_claimants_lock_sees_the_suspension_that_held_it(
    race: Flask,
) -> None:
    """The user a request loaded is as it was when the request began; a suspension that
    commits while the claim waits for the claimant's lock must still refuse the claim (the
    suspension's own sweep of the user's claims has run by then and would miss it)."""
    skip_on_sqlite(
        race,
        "SQLite: a writing request holds the database's write lock from its first "
        "statement, so the user it loads is already current",
    )
    with session_of(race) as session:
        donation, (claimant_id,) = donation_of(UNITS), new_claimants(1)
        session.commit()
    loaded, suspending = threading.Event(), threading.Event()
    outcome: list[str] = []

    def claim_while_the_suspension_holds_the_row() -> None:
        with race.app_context():
            actor = db.session.get(User, claimant_id)  # as the request's authentication did
            loaded.set()
            suspending.wait(timeout=10)
            window = Claim(pickup_window_id=donation["pickup_window_id"])
            try:
                outcome.append(services.claim(actor, donation["listing_id"], window).status)
            except DomainError as error:
                outcome.append(error.code)

    claiming = threading.Thread(target=claim_while_the_suspension_holds_the_row)
    claiming.start()
    with session_of(race) as session:
        loaded.wait(timeout=10)
        session.execute(update(User).where(User.id == claimant_id).values(status="suspended"))
        suspending.set()
        time.sleep(THINKING)  # the claim reaches the lock and waits for it
        session.commit()
    claiming.join(timeout=30)

    assert outcome == ["account_suspended"]
    with session_of(race):
        assert held_units(donation["listing_id"]) == 0


# --- through the HTTP stack, one test client per thread ------------------------------------------


@pytest.mark.parametrize("round_number", range(2))
def test_fifty_requests_on_five_units_answer_five_201_and_45_sold_out(
    race: Flask, round_number: int
) -> None:
    with session_of(race) as session:
        donation, claimant_ids = donation_of(UNITS), claimants()
        session.commit()
        tokens = [
            accounts.create_token(session.get(User, user_id), "race")[1] for user_id in claimant_ids
        ]
    path = f"/api/v1/listings/{donation['listing_id']}/reservations"
    body = {"pickup_window_id": donation["pickup_window_id"]}

    def attempt(index: int, start: Callable[[], Any]) -> str:
        client = race.test_client()
        start()
        response = client.post(
            path, json=body, headers={"Authorization": f"Bearer {tokens[index]}"}
        )
        return answer_of(response.status_code, response.get_json())

    outcomes = run_together(CLAIMANTS, attempt)

    assert unexpected(outcomes) == []
    assert Counter(outcomes) == {"201 confirmed": UNITS, "409 sold_out": CLAIMANTS - UNITS}
    with session_of(race):
        assert_units_kept(donation["listing_id"])


# --- the database alone holds the line when the service's lock is gone ---------------------------


def take_the_listing_lock_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """Claims read the listing (and what the claimant holds) without ``FOR UPDATE``."""
    monkeypatch.setattr(services, "_claimable_listing_statement", services._listing_with_holding)


@pytest.mark.parametrize("round_number", range(2))
def test_without_the_row_lock_the_check_constraint_still_gives_exactly_five(
    race: Flask, monkeypatch: pytest.MonkeyPatch, round_number: int
) -> None:
    """Claims that read the counter together all see units left, but each adds its units to the
    row as it is when its write runs, after any other claim's write: the CHECK
    ``units_reserved <= quantity`` refuses every write past the quantity, and those claims are
    answered sold out. Nothing but the database is needed."""
    take_the_listing_lock_away(monkeypatch)
    with session_of(race) as session:
        donation, claimant_ids = donation_of(UNITS), claimants()
        session.commit()
    window = Claim(pickup_window_id=donation["pickup_window_id"])

    outcomes = claims_together(race, donation["listing_id"], claimant_ids, [window] * CLAIMANTS)

    assert unexpected(outcomes) == []
    assert Counter(outcomes) == {"confirmed": UNITS, "sold_out": CLAIMANTS - UNITS}
    with session_of(race):
        assert_units_kept(donation["listing_id"])


@pytest.mark.parametrize("round_number", range(2))
def test_without_the_row_lock_and_the_overlap_check_the_exclusion_constraint_lends_once(
    race: Flask, monkeypatch: pytest.MonkeyPatch, round_number: int
) -> None:
    """PostgreSQL's exclusion constraint over (listing, days) refuses the second of two
    overlapping holding loans even when the service checks nothing and locks nothing; the
    refusal reaches the claimant as 409 overlap."""
    skip_on_sqlite(
        race,
        "SQLite has no exclusion constraints; its write lock and the service's check "
        "keep loans apart (the tests above)",
    )
    take_the_listing_lock_away(monkeypatch)
    monkeypatch.setattr(capacity, "loan_overlaps", lambda *_period: False)
    with session_of(race) as session:
        listing_id, claimant_ids = lent_item(), claimants()
        session.commit()
        first_day = services.local_today() + timedelta(days=2)
    same_days = Claim(starts_on=first_day, ends_on=first_day + timedelta(days=2))

    outcomes = claims_together(race, listing_id, claimant_ids, [same_days] * CLAIMANTS)

    assert unexpected(outcomes) == []
    assert Counter(outcomes) == {"pending": 1, "overlap": CLAIMANTS - 1}
    with session_of(race):
        assert overlapping_loans(listing_id) == []


# --- the harness catches an oversell (or a quota overrun) when the defences are gone --------------


def caught_by_the_harness(reason: str) -> pytest.MarkDecorator:
    """Expected to fail, strictly, on an assertion: with a defence taken away, ``reason`` says
    what goes wrong, and the test must catch it."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)


def read_units(listing_id: int) -> tuple[int, int]:
    row = db.session.execute(
        select(Listing.units_reserved, Listing.quantity).where(Listing.id == listing_id)
    ).one()
    return row.units_reserved, row.quantity


def write_units(listing_id: int, units_reserved: int) -> None:
    """An unconditional write of what the claim believes the counter should be."""
    db.session.execute(
        update(Listing)
        .where(Listing.id == listing_id)
        .values(units_reserved=units_reserved)
        .execution_options(synchronize_session=False)
    )


# How long a naive claim thinks between reading the counter and writing it back: longer than
# SQLite's busy handler sleeps between two looks at the lock (100 ms), so that on either database
# other claims read the same counter meanwhile.
THINKING = 0.15


def naive_take_in_one_transaction(listing: Listing, quantity: int) -> bool:
    units_reserved, total = read_units(listing.id)
    time.sleep(THINKING)
    if units_reserved + quantity > total:
        return False
    write_units(listing.id, units_reserved + quantity)
    return True


def naive_take_across_transactions(listing: Listing, quantity: int) -> bool:
    units_reserved, total = read_units(listing.id)
    db.session.commit()  # the check's transaction ends here, and any lock with it
    time.sleep(THINKING)
    if units_reserved + quantity > total:
        return False
    write_units(listing.id, units_reserved + quantity)
    return True


def assert_never_oversold(race: Flask, rounds: int = 3) -> None:
    """Rounds of fifty claims on five units; asserts after each that nothing was oversold."""
    for _round in range(rounds):
        with session_of(race) as session:
            donation, claimant_ids = donation_of(UNITS), claimants()
            session.commit()
        window = Claim(pickup_window_id=donation["pickup_window_id"])
        claims_together(race, donation["listing_id"], claimant_ids, [window] * CLAIMANTS)
        with session_of(race):
            oversold = units_oversold(donation["listing_id"])
        assert oversold == 0, f"{oversold} units promised that do not exist"


@caught_by_the_harness(
    "without the row lock, and with the counter written back as read plus one rather than "
    "added to, claims that read the counter together all write back 'one more' and every one "
    "of them succeeds"
)
def test_without_the_row_lock_and_the_adding_update_claims_oversell(
    race: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    skip_on_sqlite(
        race,
        "SQLite: every writing transaction begins IMMEDIATE and holds the database's "
        "write lock from its first statement, so even these naive claims run one after "
        "another and cannot oversell; the next test shows the harness catching an "
        "oversell on SQLite",
    )
    take_the_listing_lock_away(monkeypatch)
    monkeypatch.setattr(capacity, "take_units", naive_take_in_one_transaction)

    assert_never_oversold(race)


@caught_by_the_harness(
    "a capacity check whose transaction ends before the write: claims that checked "
    "together all write back 'one more' and every one of them succeeds"
)
def test_checking_and_taking_in_separate_transactions_oversells(
    race: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    take_the_listing_lock_away(monkeypatch)
    monkeypatch.setattr(capacity, "take_units", naive_take_across_transactions)

    assert_never_oversold(race)


@caught_by_the_harness(
    "without the claimant's lock, claims of different listings count the claimant's "
    "open claims together, each sees room under the quota, and more than the quota succeed"
)
def test_without_the_claimants_lock_claims_exceed_the_quota(
    race: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    skip_on_sqlite(
        race,
        "SQLite: the database's write lock runs every claim after the other, so the "
        "count is always current; the claimant's lock matters on PostgreSQL",
    )
    monkeypatch.setattr(services, "_lock_claimant", lambda _actor: None)

    outcomes = claims_of_one_claimant(race)

    assert Counter(outcomes)["confirmed"] <= QUOTA
