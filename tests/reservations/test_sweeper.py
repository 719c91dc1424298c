"""``flask reservations sweep``: stale holds expire, missed pick-ups become no-shows, late loans
are flagged, waitlists move up and reminders go out the day before; run again, it does nothing."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from marketplace import clock
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.reservations import services
from marketplace.reservations.models import Reservation
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    LendOfferFactory,
    ListingSlotFactory,
    PickupWindowFactory,
    SkillOfferFactory,
)
from tests.reservation_factories import (
    LOCAL_ZONE,
    DonationReservationFactory,
    LoanReservationFactory,
    ReservationFactory,
    SkillReservationFactory,
    local_today,
)
from tests.reservations.helpers import (
    NOW,
    act,
    assert_error,
    claim,
    notice_kinds,
    notices,
    reliability,
    reservation_of,
    stored_listing,
)
from tests.statements import statements_sent

QUIET = (
    "reservations: 0 holds expired, 0 no-shows, 0 waitlisted claims expired, "
    "0 loans called off (item not back), 0 loans overdue, 0 promoted, 0 reminders, "
    "0 skill offers fully booked (no slot ahead with room)\n"
)


def sweep(cli: Any) -> str:
    result = cli("reservations", "sweep")
    assert result.exit_code == 0, result.output
    return result.output


def at_local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A time in Qingxi, ``day_offset`` days from today."""
    day = local_today() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_ZONE)


def move_clock_to(moment: datetime) -> None:
    clock.advance(moment - clock.now())


# --- holds ------------------------------------------------------------------------------------------


def test_an_unconfirmed_hold_expires_after_its_time(cli: Any, owner: Any, claimant: Any) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    reservation = ReservationFactory(listing=item, claimant=claimant)
    clock.advance(timedelta(hours=23, minutes=59))
    assert sweep(cli) == QUIET
    clock.advance(timedelta(minutes=1))

    output = sweep(cli)

    assert output.startswith("reservations: 1 holds expired, 0 no-shows")
    stored = reservation_of(reservation.id)
    assert stored.status == "expired"
    assert stored.closed_at == NOW + timedelta(hours=24)
    assert stored.hold_expires_at is None
    expire = stored.events[-1]
    assert (expire.action, expire.actor_id, expire.at) == ("expire", None, clock.now())
    assert notice_kinds(claimant) == ["reservation_expired"]
    assert notice_kinds(owner) == ["reservation_expired"]
    listing = stored_listing(item)
    assert (listing.units_reserved, listing.status) == (0, "open")
    assert reliability(claimant) == (
        0,
        0,
        0,
    )  # an owner who never answered is not the claimant's fault


def test_a_confirmed_claim_never_expires(cli: Any) -> None:
    reservation = ReservationFactory(status="confirmed")
    clock.advance(timedelta(days=3))

    sweep(cli)

    assert reservation_of(reservation.id).status == "confirmed"


# --- waitlisted claims whose time passed -------------------------------------------------------


def test_a_claim_waiting_for_a_window_that_is_over_expires_and_its_claimant_hears(
    cli: Any, claimant: Any
) -> None:
    rice = DonationOfferFactory(quantity=1, per_person_limit=1)
    window = rice.pickup_windows[0]
    holder = DonationReservationFactory(listing=rice)
    waiting = DonationReservationFactory(listing=rice, claimant=claimant, status="waitlisted")
    move_clock_to(window.ends_at - timedelta(seconds=1))
    assert sweep(cli) == QUIET
    move_clock_to(window.ends_at)

    output = sweep(cli)

    assert "0 no-shows, 1 waitlisted claims expired," in output
    stored = reservation_of(waiting.id)
    assert stored.status == "expired"
    assert stored.closed_at == clock.now()
    expire = stored.events[-1]
    assert (expire.action, expire.from_status, expire.to_status, expire.actor_id) == (
        "expire",
        "waitlisted",
        "expired",
        None,
    )
    [notice] = notices(claimant)
    assert (notice.kind, notice.payload["reservation_id"]) == ("waitlist_expired", waiting.id)
    assert notice_kinds(rice.owner) == []
    assert reservation_of(holder.id).status == "confirmed"  # its grace has not passed yet
    assert stored_listing(rice).units_reserved == 1  # a waitlisted claim held nothing
    assert reliability(claimant) == (0, 0, 0)
    assert sweep(cli) == QUIET


def test_a_claim_waiting_for_a_slot_that_has_started_expires(cli: Any, claimant: Any) -> None:
    haircut = SkillOfferFactory()
    slot = haircut.slots[0]
    SkillReservationFactory(listing=haircut, status="confirmed")
    waiting = SkillReservationFactory(listing=haircut, claimant=claimant, status="waitlisted")
    move_clock_to(slot.starts_at - timedelta(seconds=1))
    sweep(cli)
    assert reservation_of(waiting.id).status == "waitlisted"
    move_clock_to(slot.starts_at)

    output = sweep(cli)

    assert "1 waitlisted claims expired" in output
    assert reservation_of(waiting.id).status == "expired"
    assert notice_kinds(claimant) == ["waitlist_expired"]


def test_a_claim_waiting_on_a_listing_handed_over_in_full_expires(
    cli: Any, claimant: Any, owner: Any, owner_client: Any
) -> None:
    rice = DonationOfferFactory(owner=owner, quantity=1, per_person_limit=1)
    holder = DonationReservationFactory(listing=rice)
    waiting = DonationReservationFactory(listing=rice, claimant=claimant, status="waitlisted")
    sweep(cli)
    assert reservation_of(waiting.id).status == "waitlisted"

    handed_over = act(owner_client, holder, "pickup", code=holder.pickup_code)
    output = sweep(cli)

    assert handed_over.status_code == 200, handed_over.json
    assert stored_listing(rice).status == "closed"
    assert "1 waitlisted claims expired" in output
    stored = reservation_of(waiting.id)
    assert (stored.status, stored.events[-1].note) == ("expired", "everything was handed over")
    assert notice_kinds(claimant) == ["waitlist_expired"]
    assert claimant_messages(claimant)[-1].endswith("已失效。已经全部送出。")


def test_a_claim_waiting_on_an_expired_listing_expires_and_is_told_why(
    cli: Any, claimant: Any, owner: Any, owner_client: Any
) -> None:
    rice = DonationOfferFactory(
        owner=owner, quantity=1, per_person_limit=1, expires_at=NOW + timedelta(hours=1)
    )
    holder = DonationReservationFactory(listing=rice)
    waiting = DonationReservationFactory(listing=rice, claimant=claimant, status="waitlisted")
    assert rice.pickup_windows[0].ends_at > NOW + timedelta(hours=2)
    move_clock_to(NOW + timedelta(hours=2))
    assert cli("listings", "expire").exit_code == 0
    assert stored_listing(rice).status == "expired"

    # Capacity freeing up on an expired listing moves nobody up.
    cancelled = act(owner_client, holder, "cancel", reason="有事")
    assert cancelled.status_code == 200, cancelled.json
    assert reservation_of(waiting.id).status == "waitlisted"
    output = sweep(cli)

    assert "1 waitlisted claims expired" in output
    stored = reservation_of(waiting.id)
    assert (stored.status, stored.events[-1].note) == (
        "expired",
        "the listing expired while it waited",
    )
    [notice] = notices(claimant)
    assert notice.kind == "waitlist_expired"
    texts = claimant_messages(claimant)
    assert texts[-1].endswith("已失效。这条分享已到期。"), texts


def test_a_claim_waiting_for_a_later_window_keeps_waiting(cli: Any) -> None:
    rice = DonationOfferFactory(quantity=1, per_person_limit=1)
    early = rice.pickup_windows[0]
    late = PickupWindowFactory(
        listing=rice, starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=2)
    )
    DonationReservationFactory(listing=rice, pickup_window=late)
    waiting = DonationReservationFactory(listing=rice, status="waitlisted", pickup_window=late)
    move_clock_to(early.ends_at + timedelta(hours=1))

    assert sweep(cli) == QUIET
    assert reservation_of(waiting.id).status == "waitlisted"


# --- promotions are counted wherever they happen --------------------------------------------------


def test_claims_moved_up_behind_an_expired_hold_and_a_no_show_are_counted(cli: Any) -> None:
    item = ItemOfferFactory(quantity=1)
    ReservationFactory(listing=item, hold_expires_at=NOW + timedelta(minutes=5))
    behind_the_hold = ReservationFactory(listing=item, status="waitlisted")
    rice = DonationOfferFactory(quantity=1, per_person_limit=1)
    early = rice.pickup_windows[0]
    late = PickupWindowFactory(
        listing=rice, starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=2)
    )
    DonationReservationFactory(listing=rice, pickup_window=early)
    behind_the_no_show = DonationReservationFactory(
        listing=rice, status="waitlisted", pickup_window=late
    )
    move_clock_to(early.ends_at + timedelta(minutes=31))

    output = sweep(cli)

    assert output.startswith("reservations: 1 holds expired, 1 no-shows, ")
    assert " 2 promoted, " in output
    assert reservation_of(behind_the_hold.id).status == "pending"
    assert reservation_of(behind_the_no_show.id).status == "confirmed"


# --- no-shows ---------------------------------------------------------------------------------------


def test_a_missed_pickup_window_becomes_a_no_show_after_the_grace(cli: Any, claimant: Any) -> None:
    rice = DonationOfferFactory(quantity=5)
    window = rice.pickup_windows[0]
    reservation = DonationReservationFactory(listing=rice, claimant=claimant, quantity=2)
    move_clock_to(window.ends_at + timedelta(minutes=29))
    sweep(cli)
    assert reservation_of(reservation.id).status == "confirmed"
    clock.advance(timedelta(minutes=2))

    output = sweep(cli)

    assert "1 no-shows" in output
    stored = reservation_of(reservation.id)
    assert stored.status == "no_show"
    assert stored.events[-1].actor_id is None
    assert reliability(claimant) == (0, 1, 0)
    assert stored_listing(rice).units_reserved == 0
    assert notice_kinds(claimant) == ["reservation_no_show"]
    assert notice_kinds(rice.owner) == ["reservation_no_show"]


def test_the_no_show_grace_is_configurable(app: Any, cli: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "RESERVATION_NO_SHOW_GRACE_MINUTES", 0)
    reservation = DonationReservationFactory()
    move_clock_to(reservation.pickup_window.ends_at + timedelta(seconds=1))

    sweep(cli)

    assert reservation_of(reservation.id).status == "no_show"


def test_a_missed_skill_slot_becomes_a_no_show(cli: Any, claimant: Any) -> None:
    reservation = SkillReservationFactory(claimant=claimant, status="confirmed")
    slot = reservation.slot
    move_clock_to(slot.ends_at + timedelta(minutes=31))

    sweep(cli)

    assert reservation_of(reservation.id).status == "no_show"
    assert reliability(claimant) == (0, 1, 0)
    db.session.refresh(slot)
    assert slot.booked == 0


def test_a_loan_not_collected_on_its_first_day_becomes_a_no_show(cli: Any) -> None:
    reservation = LoanReservationFactory(status="confirmed")  # from tomorrow
    move_clock_to(at_local(2, 0, 29))
    sweep(cli)
    assert reservation_of(reservation.id).status == "confirmed"
    move_clock_to(at_local(2, 0, 31))

    sweep(cli)

    assert reservation_of(reservation.id).status == "no_show"


def test_a_pending_claim_past_its_window_expires_rather_than_being_a_no_show(
    cli: Any, claimant: Any
) -> None:
    rice = DonationOfferFactory(auto_confirm=False)
    reservation = DonationReservationFactory(listing=rice, claimant=claimant, status="pending")
    move_clock_to(rice.pickup_windows[0].ends_at + timedelta(hours=1))

    sweep(cli)

    assert reservation_of(reservation.id).status == "expired"
    assert reliability(claimant) == (0, 0, 0)


# --- overdue loans ----------------------------------------------------------------------------------


def test_a_loan_past_its_last_day_is_flagged_overdue_and_both_sides_reminded_once(
    cli: Any, owner: Any, owner_client: Any, claimant: Any
) -> None:
    today = local_today()
    drill = LendOfferFactory(owner=owner)
    reservation = LoanReservationFactory(
        listing=drill,
        claimant=claimant,
        status="picked_up",
        starts_on=today - timedelta(days=2),
        ends_on=today,
    )
    move_clock_to(at_local(0, 23, 59))
    sweep(cli)
    assert reservation_of(reservation.id).overdue is False
    move_clock_to(at_local(1, 0, 1))

    first = sweep(cli)
    second = sweep(cli)

    assert "1 loans overdue" in first
    assert second == QUIET
    stored = reservation_of(reservation.id)
    assert (stored.status, stored.overdue) == ("picked_up", True)
    assert notice_kinds(claimant) == ["loan_overdue"]
    assert notice_kinds(owner) == ["loan_overdue"]
    assert notices(claimant)[0].payload["ends_on"] == today.isoformat()

    act(owner_client, reservation, "return")
    assert reliability(claimant) == (0, 0, 1)
    assert reservation_of(reservation.id).overdue is False


def overdue_then_next(owner: Any, claimant: Any) -> tuple[Any, Any]:
    """A drill out on a loan that ended yesterday, and the next loan, confirmed, from today."""
    today = local_today()
    drill = LendOfferFactory(owner=owner)
    out = LoanReservationFactory(
        listing=drill,
        status="picked_up",
        starts_on=today - timedelta(days=3),
        ends_on=today - timedelta(days=1),
    )
    following = LoanReservationFactory(
        listing=drill,
        claimant=claimant,
        status="confirmed",
        starts_on=today,
        ends_on=today + timedelta(days=1),
    )
    return out, following


def test_a_loan_whose_item_is_not_back_is_called_off_rather_than_a_no_show(
    cli: Any, owner: Any, claimant: Any
) -> None:
    out, following = overdue_then_next(owner, claimant)
    move_clock_to(at_local(1, 0, 31))  # the next loan's first day is over, and the grace

    output = sweep(cli)

    assert "1 loans called off (item not back), " in output
    assert "0 no-shows" in output
    stored = reservation_of(following.id)
    assert (stored.status, stored.events[-1].actor_id) == ("cancelled", None)
    assert reliability(claimant) == (0, 0, 0)
    [told] = notices(claimant)
    assert (told.kind, told.payload["reason"]) == ("reservation_cancelled", services.ITEM_NOT_BACK)
    assert "reservation_cancelled" in notice_kinds(owner)
    assert reservation_of(out.id).status == "picked_up"
    assert sweep(cli) == QUIET


def test_a_loan_missed_after_the_item_came_back_is_a_no_show(
    cli: Any, owner: Any, owner_client: Any, claimant: Any
) -> None:
    out, following = overdue_then_next(owner, claimant)
    act(owner_client, out, "return")
    move_clock_to(at_local(1, 0, 31))

    output = sweep(cli)

    assert "1 no-shows" in output
    assert reservation_of(following.id).status == "no_show"


def test_the_owner_cannot_record_a_no_show_while_the_item_was_out(
    owner: Any, owner_client: Any, claimant: Any
) -> None:
    _out, following = overdue_then_next(owner, claimant)
    move_clock_to(at_local(1, 9))

    assert_error(act(owner_client, following, "no-show"), 409, "item_not_back")
    assert reliability(claimant) == (0, 0, 0)


def test_a_borrower_may_cancel_a_loan_whose_item_was_not_back(
    owner: Any, claimant: Any, claimant_client: Any
) -> None:
    _out, following = overdue_then_next(owner, claimant)
    move_clock_to(at_local(1, 0, 5))  # the loan's first day is over

    response = act(claimant_client, following, "cancel")

    assert response.status_code == 200, response.json
    assert reliability(claimant) == (0, 0, 0)


# --- reminders --------------------------------------------------------------------------------------


def test_pickup_reminders_go_out_the_day_before_once(cli: Any) -> None:
    window_tomorrow = DonationReservationFactory()  # window starts in 24 hours
    slot_tomorrow = SkillReservationFactory(status="pending")
    loan_tomorrow = LoanReservationFactory(status="confirmed")  # starts at midnight
    rice = DonationOfferFactory(pickup_windows=[])
    later_window = PickupWindowFactory(
        listing=rice, starts_at=NOW + timedelta(days=1, minutes=1), ends_at=NOW + timedelta(days=2)
    )
    not_yet = DonationReservationFactory(listing=rice, pickup_window=later_window)
    loan_later = LoanReservationFactory(
        status="confirmed",
        starts_on=local_today() + timedelta(days=2),
        ends_on=local_today() + timedelta(days=3),
    )
    no_time_to_remind = ReservationFactory(status="confirmed")  # a give-away has no window

    first = sweep(cli)
    second = sweep(cli)

    assert "3 reminders" in first
    assert second == QUIET
    for reminded in (window_tomorrow, slot_tomorrow, loan_tomorrow):
        assert notice_kinds(reminded.claimant) == ["pickup_tomorrow"]
        assert notice_kinds(reminded.listing.owner) == []
        assert reservation_of(reminded.id).reminded_at == NOW
    for quiet in (not_yet, loan_later, no_time_to_remind):
        assert notice_kinds(quiet.claimant) == []

    clock.advance(timedelta(minutes=1))
    assert "1 reminders" in sweep(cli)
    assert notice_kinds(not_yet.claimant) == ["pickup_tomorrow"]


def changed_while_listed(monkeypatch: Any, reservation_id: int, change: Any) -> None:
    """Make ``change`` to the reservation right after a sweep step has listed it: what another
    request may commit between the step's list and its turn."""
    listed = services._ids

    def listed_then_changed(*conditions: Any) -> list[int]:
        ids = listed(*conditions)
        if reservation_id in ids:
            change()
        return ids

    monkeypatch.setattr(services, "_ids", listed_then_changed)


def test_no_pickup_reminder_for_a_claim_cancelled_while_the_sweep_ran(
    app_ctx: Any, monkeypatch: Any, claimant: Any
) -> None:
    reservation = DonationReservationFactory(claimant=claimant)  # window starts in 24 hours
    changed_while_listed(
        monkeypatch, reservation.id, lambda: services.cancel(claimant, reservation.id, "")
    )

    report = services.sweep()

    assert report.reminders == 0
    assert notices(claimant, "pickup_tomorrow") == []


def test_no_return_reminder_for_a_loan_returned_while_the_sweep_ran(
    app_ctx: Any, monkeypatch: Any, owner: Any, claimant: Any
) -> None:
    today = local_today()
    loan = LoanReservationFactory(
        listing=LendOfferFactory(owner=owner),
        claimant=claimant,
        status="picked_up",
        starts_on=today,
        ends_on=today + timedelta(days=1),
    )
    changed_while_listed(monkeypatch, loan.id, lambda: services.mark_returned(owner, loan.id))

    report = services.sweep()

    assert report.reminders == 0
    assert notices(claimant, "return_tomorrow") == []


def test_return_reminder_goes_out_the_day_before_the_last_day_once(cli: Any) -> None:
    today = local_today()
    due_tomorrow = LoanReservationFactory(
        status="picked_up", starts_on=today, ends_on=today + timedelta(days=1)
    )
    due_later = LoanReservationFactory(
        status="picked_up", starts_on=today, ends_on=today + timedelta(days=2)
    )

    first = sweep(cli)
    second = sweep(cli)

    assert "1 reminders" in first
    assert second == QUIET
    [notice] = notices(due_tomorrow.claimant)
    assert notice.kind == "return_tomorrow"
    assert notice.payload["ends_on"] == (today + timedelta(days=1)).isoformat()
    assert notice_kinds(due_later.claimant) == []


# --- idempotence ------------------------------------------------------------------------------------


def everything_swept() -> tuple[Any, ...]:
    """What a sweep can change, as stored."""
    db.session.expire_all()
    reservations = db.session.scalars(select(Reservation).order_by(Reservation.id)).all()
    notifications = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    return (
        [
            (r.id, r.status, r.overdue, r.reminded_at, r.return_reminded_at, len(r.events))
            for r in reservations
        ],
        [(n.user_id, n.kind, n.payload.get("reservation_id")) for n in notifications],
        [(r.listing.id, r.listing.units_reserved, r.listing.status) for r in reservations],
    )


def a_bit_of_everything() -> None:
    """A stale hold with a waitlist behind it, missed pick-ups of every kind with a waitlist
    behind one, a late loan, and pick-ups and returns due tomorrow."""
    item = ItemOfferFactory(quantity=1)
    ReservationFactory(listing=item, hold_expires_at=NOW - timedelta(hours=6))
    ReservationFactory(listing=item, status="waitlisted")
    rice = DonationOfferFactory(quantity=4, per_person_limit=2, pickup_windows=[])
    past_window = PickupWindowFactory(
        listing=rice, starts_at=NOW - timedelta(hours=5), ends_at=NOW - timedelta(hours=1)
    )
    tomorrows_window = PickupWindowFactory(listing=rice)
    DonationReservationFactory(listing=rice, pickup_window=past_window, quantity=2)
    DonationReservationFactory(listing=rice, pickup_window=tomorrows_window, quantity=2)
    DonationReservationFactory(
        listing=rice, pickup_window=tomorrows_window, status="waitlisted", quantity=2
    )
    haircut = SkillOfferFactory(slots=[])
    ListingSlotFactory(
        listing=haircut, starts_at=NOW - timedelta(hours=3), ends_at=NOW - timedelta(hours=2)
    )
    SkillReservationFactory(listing=haircut, status="confirmed")
    today = local_today()
    LoanReservationFactory(
        status="picked_up", starts_on=today - timedelta(days=4), ends_on=today - timedelta(days=1)
    )
    LoanReservationFactory(status="picked_up", starts_on=today, ends_on=today + timedelta(days=1))
    LoanReservationFactory(status="confirmed", starts_on=today - timedelta(days=1), ends_on=today)


def test_sweeping_twice_does_everything_once(cli: Any) -> None:
    a_bit_of_everything()

    first = sweep(cli)
    after_first = everything_swept()
    second = sweep(cli)

    assert first == (
        "reservations: 1 holds expired, 3 no-shows, 0 waitlisted claims expired, "
        "0 loans called off (item not back), 1 loans overdue, 2 promoted, 3 reminders, "
        "0 skill offers fully booked (no slot ahead with room)\n"
    )
    assert second == QUIET
    assert everything_swept() == after_first
    assert [row[1] for row in after_first[0]] == [
        "expired",  # the stale hold
        "pending",  # moved up behind it
        "no_show",  # its window is over
        "confirmed",  # collects tomorrow (a reminder)
        "confirmed",  # moved up into the room the no-show left (a reminder too)
        "no_show",  # the skill slot is over
        "picked_up",  # overdue now
        "picked_up",  # due back tomorrow (a reminder)
        "no_show",  # the loan was never collected
    ]


@pytest.mark.parametrize("hours", [0, 12])
def test_a_sweep_with_nothing_due_changes_nothing(cli: Any, hours: int) -> None:
    item = ItemOfferFactory(quantity=1)
    ReservationFactory(listing=item)
    ReservationFactory(listing=item, status="waitlisted")
    haircut = SkillOfferFactory(slots=[])
    ListingSlotFactory(
        listing=haircut, starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=4)
    )
    SkillReservationFactory(listing=haircut, status="confirmed")
    clock.advance(timedelta(hours=hours))
    before = everything_swept()

    assert sweep(cli) == QUIET

    assert everything_swept() == before


def sold_out_offers_with_waitlists(count: int) -> None:
    """Give-aways whose one unit is held and a skill offer whose first slot is full while its
    second has room, each with a waitlisted claim that nothing has come free for."""
    for _ in range(count):
        item = ItemOfferFactory(quantity=1)
        ReservationFactory(listing=item)
        ReservationFactory(listing=item, status="waitlisted")
        haircut = SkillOfferFactory(slots=[])
        full, free = (
            ListingSlotFactory(
                listing=haircut,
                capacity=1,
                starts_at=NOW + timedelta(days=days),
                ends_at=NOW + timedelta(days=days, hours=1),
            )
            for days in (2, 3)
        )
        SkillReservationFactory(listing=haircut, slot=full, status="confirmed")
        SkillReservationFactory(listing=haircut, slot=full, status="waitlisted")
        assert free.booked == 0


def test_a_sweep_does_not_go_through_waitlists_nothing_came_free_for(app: Any, cli: Any) -> None:
    """Its statements do not grow with the offers still sold out (or slots still full) that have
    a waitlist: their rows are not locked and their waitlists not read every minute."""
    sold_out_offers_with_waitlists(1)
    with statements_sent(app) as with_one:
        assert sweep(cli) == QUIET
    sold_out_offers_with_waitlists(3)
    with statements_sent(app) as with_four:
        assert sweep(cli) == QUIET

    assert len(with_four) == len(with_one)
    statuses = db.session.scalars(select(Reservation.status).order_by(Reservation.id)).all()
    assert statuses == ["pending", "waitlisted", "confirmed", "waitlisted"] * 4


@pytest.mark.concurrency
def test_a_sweep_with_nothing_due_does_not_wait_for_a_writer_on_sqlite(committed: Any) -> None:
    """Its sifts read in transactions of their own that take no write lock, so the sweep every
    minute neither waits for a claim being written nor holds claims up while it reads."""
    app = committed
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite: on PostgreSQL a read never waits for a writer")
        sold_out_offers_with_waitlists(1)
        db.session.commit()
        writer = db.engine.connect()
    writer.begin()  # BEGIN IMMEDIATE: the database's write lock, as a claim holds it
    reports: list[services.SweepReport] = []

    def sweep_with_nothing_due() -> None:
        with app.app_context():
            reports.append(services.sweep())

    sweeper = threading.Thread(target=sweep_with_nothing_due)
    try:
        sweeper.start()
        sweeper.join(timeout=5)
        finished_while_the_writer_wrote = not sweeper.is_alive()
    finally:
        writer.close()
        sweeper.join(timeout=60)

    assert finished_while_the_writer_wrote
    assert reports == [services.SweepReport()]


def claimant_messages(user: Any) -> list[str]:
    """The texts of the user's inbox, oldest first."""
    from marketplace.notifications.messages import render

    return [render(notice.kind, notice.payload) for notice in notices(user)]


# --- skill offers as their slots begin -------------------------------------------------------------


def test_a_skill_offer_is_fully_booked_once_its_last_slot_with_room_begins(
    cli: Any, claimant_client: Any, client: Any
) -> None:
    haircut = SkillOfferFactory(slots=[])
    soon = ListingSlotFactory(listing=haircut, starts_at=NOW + timedelta(hours=1))
    ahead = ListingSlotFactory(listing=haircut, starts_at=NOW + timedelta(days=2))
    assert claim(claimant_client, haircut, slot_id=ahead.id).status_code == 201
    assert stored_listing(haircut).status == "open"  # the slot in an hour has room
    move_clock_to(soon.starts_at - timedelta(seconds=1))
    assert sweep(cli) == QUIET

    move_clock_to(soon.starts_at)
    output = sweep(cli)

    assert output.endswith(", 1 skill offers fully booked (no slot ahead with room)\n")
    assert stored_listing(haircut).status == "fully_reserved"
    assert client.get(f"/api/v1/listings/{haircut.id}").json["status"] == "fully_reserved"
    assert sweep(cli) == QUIET
