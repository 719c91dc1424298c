"""Random sequences of claims, confirmations, declines, cancellations, pick-ups, returns,
completions, no-shows, a coordinator hiding and restoring offers, passing time and sweeps, with
the design's invariants checked after every step (hypothesis stateful testing, calling the
services directly).

After every step:
- an offer's counters agree with its reservations: ``units_reserved`` is the quantity of its
  pending, confirmed, picked-up and completed claims (a completed hand-over keeps its units),
  ``units_handed_over`` that of the picked-up and completed ones, and a slot's ``booked`` the
  places of its pending, confirmed, picked-up and completed bookings (``handed_over`` those of
  the picked-up and completed ones); so what holding claims hold never exceeds the quantity or
  a slot's capacity;
- two holding loans of the item never overlap;
- the listing's status follows what is left (open, fully reserved; for a skill, places in
  slots yet to begin, as of the last sweep or change); an offer that time closed (every window
  over, every slot begun, when a sweep ran) is expired; one whose every unit or slot place was
  handed over is closed, expired before or not;
- a waitlisted claim that fits (in a window or slot still ahead) has been moved up;
- every reservation's history leads from ``claim`` to its status, one move after another;
- each user's reliability figures count what happened to their reservations;
- reminders went out at most once;
- an offer moderation took down has no claim waiting, pending or confirmed.

Each example builds its own users and listings, so examples sharing the test's transaction do
not meet. Every outcome is also checked against a model of the rules: a claim or a transition
succeeds exactly when the rules say so, and otherwise fails with the code they name.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from itertools import combinations, pairwise
from typing import Any

from flask import current_app
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from marketplace import clock
from marketplace.accounts.models import User
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import PUBLIC_STATUSES, Listing, ListingSlot
from marketplace.moderation import services as moderation
from marketplace.notifications.models import Notification
from marketplace.reservations import services
from marketplace.reservations.models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    HOLDING_STATUSES,
    Reservation,
)
from tests.factories import CommunityFactory, CoordinatorFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    LendOfferFactory,
    ListingSlotFactory,
    PickupWindowFactory,
    SkillOfferFactory,
)
from tests.reservation_factories import LOCAL_ZONE, local_today
from tests.reservations.helpers import NOW

# Claims that keep their units or slot places taken.
TAKING = (*HOLDING_STATUSES, "completed")
HANDED_OVER = ("picked_up", "completed")
MAX_LEND_DAYS = 3

# The design's state machine: action -> (who may, {from: to}) for hand-overs and for loans.
MOVES: dict[str, tuple[set[str], dict[str, str], dict[str, str]]] = {
    "confirm": ({"owner"}, {"pending": "confirmed"}, {"pending": "confirmed"}),
    "decline": ({"owner"}, {"pending": "declined"}, {"pending": "declined"}),
    "cancel": (
        {"claimant", "owner", "coordinator"},
        dict.fromkeys(("waitlisted", "pending", "confirmed"), "cancelled"),
        dict.fromkeys(("waitlisted", "pending", "confirmed"), "cancelled"),
    ),
    "pickup": ({"owner"}, {"confirmed": "picked_up"}, {"confirmed": "picked_up"}),
    "no_show": ({"owner"}, {"confirmed": "no_show"}, {"confirmed": "no_show"}),
    "return": ({"owner"}, {}, {"picked_up": "returned"}),
    "complete": ({"claimant", "owner"}, {"picked_up": "completed"}, {"returned": "completed"}),
}

# Mostly True: hypothesis favours the ends of a range, so False sits in the middle of it.
MOSTLY = st.integers(0, 7).map(lambda n: n != 4)

MOVE = st.fixed_dictionaries(
    {
        "pick": st.integers(0, 10_000),
        "choice": st.integers(0, 20),
        "with_reason": MOSTLY,
        "right_code": MOSTLY,
    }
)

PROVIDER_SIDE = ("owner",)
CLAIMANT_SIDE = ("claimant", "coordinator")


def claim_of(kinds: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "kind": st.sampled_from(kinds),
            "quantity": st.sampled_from([1, 1, 1, 2, 3]),
            "option": st.integers(0, 1),
            "start": st.integers(0, 4),
            "length": st.integers(1, MAX_LEND_DAYS + 1),
            "waitlist": MOSTLY,  # so that waitlists form, and capacity freed must reach them
        }
    )


TIME_STEPS = [
    timedelta(minutes=20),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=12),
    timedelta(hours=25),
]


class ReservationMachine(RuleBasedStateMachine):
    """One owner's four offers (a give-away, a donation with two windows, a loan, a skill with
    two slots), three claimants and a coordinator."""

    @initialize(
        auto_confirm=st.booleans(),
        item_quantity=st.integers(1, 3),
        donation_quantity=st.integers(1, 4),
        per_person_limit=st.sampled_from([None, 2, 1]),
        capacities=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    )
    def build(
        self,
        auto_confirm: bool,
        item_quantity: int,
        donation_quantity: int,
        per_person_limit: int | None,
        capacities: tuple[int, int],
    ) -> None:
        clock.freeze(NOW)
        community = CommunityFactory()
        self.owner = UserFactory()
        self.coordinator = CoordinatorFactory()
        self.claimants = [UserFactory() for _ in range(3)]
        self.item = ItemOfferFactory(
            owner=self.owner,
            place=community,
            quantity=item_quantity,
            per_person_limit=per_person_limit,
            auto_confirm=auto_confirm,
        )
        self.donation = DonationOfferFactory(
            owner=self.owner,
            place=community,
            organisation=None,
            quantity=donation_quantity,
            per_person_limit=per_person_limit,
            auto_confirm=not auto_confirm,
            pickup_windows=[],
        )
        self.windows = [
            PickupWindowFactory(
                listing=self.donation,
                starts_at=NOW + timedelta(hours=2),
                ends_at=NOW + timedelta(hours=5),
            ),
            PickupWindowFactory(
                listing=self.donation,
                starts_at=NOW + timedelta(days=2),
                ends_at=NOW + timedelta(days=2, hours=3),
            ),
        ]
        self.loan = LendOfferFactory(
            owner=self.owner,
            place=community,
            max_lend_days=MAX_LEND_DAYS,
            auto_confirm=auto_confirm,
        )
        self.skill = SkillOfferFactory(
            owner=self.owner, place=community, slots=[], auto_confirm=auto_confirm
        )
        self.slots = [
            ListingSlotFactory(
                listing=self.skill,
                capacity=capacities[0],
                starts_at=NOW + timedelta(hours=3),
                ends_at=NOW + timedelta(hours=4),
            ),
            ListingSlotFactory(
                listing=self.skill,
                capacity=capacities[1],
                starts_at=NOW + timedelta(days=1),
                ends_at=NOW + timedelta(days=1, hours=1),
            ),
        ]
        db.session.commit()
        self.listing_ids = [self.item.id, self.donation.id, self.loan.id, self.skill.id]
        self.window_ids = [window.id for window in self.windows]
        self.slot_ids = [slot.id for slot in self.slots]
        self.user_ids = [self.owner.id, self.coordinator.id, *(c.id for c in self.claimants)]
        self.reservation_ids: list[int] = []
        # Whether time passed since the last sweep: a slot with room may have begun since.
        self.unswept_time = False
        # Offers that time closed: a sweep ran once every window was over or every slot begun.
        self.expired_ids: set[int] = set()

    # --- claims ---------------------------------------------------------------------------------

    # Two claim rules, two rules of lawful moves, one of unlawful attempts and one of passing
    # time: hypothesis draws rules about evenly, and sequences should claim and move more than
    # they wait.
    @rule(who=st.integers(0, 2), claim=claim_of(["item", "donation"]))
    def claim_units(self, who: int, claim: dict[str, Any]) -> None:
        self._claim(who, **claim)

    @rule(who=st.integers(0, 2), claim=claim_of(["skill", "loan"]))
    def claim_a_slot_or_days(self, who: int, claim: dict[str, Any]) -> None:
        self._claim(who, **claim)

    def _claim(
        self,
        who: int,
        kind: str,
        quantity: int,
        option: int,
        start: int,
        length: int,
        waitlist: bool,
    ) -> None:
        claimant = self.claimants[who]
        listing = {
            "item": self.item,
            "donation": self.donation,
            "loan": self.loan,
            "skill": self.skill,
        }[kind]
        request = self._claim_request(kind, quantity, option, start, length, waitlist)
        expected = self._expected_claim(claimant, listing, request)
        outcome = attempt(lambda: services.claim(claimant, listing.id, request))
        if isinstance(outcome, Reservation):
            self.reservation_ids.append(outcome.id)
            outcome = outcome.status
        assert outcome == expected, (kind, request, outcome, expected)

    def _claim_request(
        self, kind: str, quantity: int, option: int, start: int, length: int, waitlist: bool
    ) -> services.Claim:
        if kind == "item":
            return services.Claim(quantity=quantity, waitlist=waitlist)
        if kind == "donation":
            return services.Claim(
                quantity=quantity, pickup_window_id=self.window_ids[option], waitlist=waitlist
            )
        if kind == "skill":
            return services.Claim(
                quantity=quantity, slot_id=self.slot_ids[option], waitlist=waitlist
            )
        starts_on = local_today() + timedelta(days=start)
        return services.Claim(starts_on=starts_on, ends_on=starts_on + timedelta(days=length - 1))

    def _expected_claim(self, claimant: Any, listing: Any, request: services.Claim) -> str:
        """The status the claim gets, or the error code it meets, by the rules."""
        db.session.expire_all()
        listing = db.session.get(Listing, listing.id)
        reservations = db.session.scalars(
            select(Reservation).where(Reservation.listing_id.in_(self.listing_ids))
        ).all()
        mine = [r for r in reservations if r.claimant_id == claimant.id]
        opened = "confirmed" if listing.auto_confirm else "pending"
        if not listing.is_public:
            return "not_found"
        if sum(r.status in ACTIVE_STATUSES for r in mine) >= 5:
            return "quota_exceeded"
        if listing.is_loan:
            if request.ends_on is None or request.starts_on is None:
                raise AssertionError("a loan claim has both days")
            if (request.ends_on - request.starts_on).days + 1 > MAX_LEND_DAYS:
                return "invalid"
            overlapping = [
                r
                for r in reservations
                if r.listing_id == listing.id
                and r.status in HOLDING_STATUSES
                and overlaps(r.starts_on, held_until(r), request.starts_on, request.ends_on)
            ]
            return "overlap" if overlapping else opened
        quantity = request.quantity or 1
        if listing.kind == "skill":
            slot = db.session.get(ListingSlot, request.slot_id)
            if slot.starts_at <= clock.now():
                return "invalid"
            if slot.free >= quantity:
                return opened
            return "waitlisted" if request.waitlist and quantity <= slot.capacity else "slot_full"
        limit = listing.per_person_limit
        held = sum(
            r.quantity for r in mine if r.listing_id == listing.id and r.status in ACTIVE_STATUSES
        )
        if limit is not None and held + quantity > limit:
            return "quota_exceeded"
        window = next((w for w in listing.pickup_windows if w.id == request.pickup_window_id), None)
        if window is not None and window.ends_at <= clock.now():
            return "invalid"
        if listing.quantity - listing.units_reserved >= quantity:
            return opened
        could_come_free = listing.quantity - listing.units_handed_over
        return "waitlisted" if request.waitlist and quantity <= could_come_free else "sold_out"

    # --- transitions ----------------------------------------------------------------------------

    @precondition(lambda self: self._movable(PROVIDER_SIDE))
    @rule(move=MOVE)
    def owner_acts(self, move: dict[str, Any]) -> None:
        self._lawful_move(PROVIDER_SIDE, **move)

    @precondition(lambda self: self._due_for_hand_over())
    @rule(pick=st.integers(0, 7))
    def owner_hands_over(self, pick: int) -> None:
        """The claimant comes in time and the owner hands over with their code: a rule of its
        own, so that skill places and loans, whose hand-over opens only near their time, are
        handed over too."""
        due = self._due_for_hand_over()
        self._move("owner", due[pick % len(due)], "pickup", with_reason=False, right_code=True)

    def _due_for_hand_over(self) -> list[Reservation]:
        if not self.reservation_ids:
            return []
        return [
            r
            for r in self._reservations()
            if r.status == "confirmed"
            and not too_early_to_hand_over(r)
            and not (r.pickup_locked_until and r.pickup_locked_until > clock.now())
        ]

    @precondition(lambda self: self._movable(CLAIMANT_SIDE))
    @rule(move=MOVE)
    def claimant_or_coordinator_acts(self, move: dict[str, Any]) -> None:
        self._lawful_move(CLAIMANT_SIDE, **move)

    def _lawful_move(
        self, actors: tuple[str, ...], pick: int, choice: int, with_reason: bool, right_code: bool
    ) -> None:
        """Some reservation moved on by one of ``actors``, as the design allows."""
        movable = self._movable(actors)
        reservation, moves = movable[pick % len(movable)]
        action, by = moves[choice % len(moves)]
        self._move(by, reservation, action, with_reason, right_code)

    @precondition(lambda self: self.reservation_ids)
    @rule(by=st.sampled_from(["claimant", "owner", "coordinator"]), move=MOVE)
    def anyone_tries_anything(self, by: str, move: dict[str, Any]) -> None:
        reservations = self._reservations()
        reservation = reservations[move["pick"] % len(reservations)]
        action = list(MOVES)[move["choice"] % len(MOVES)]
        self._move(by, reservation, action, move["with_reason"], move["right_code"])

    def _reservations(self) -> list[Reservation]:
        db.session.expire_all()
        return list(
            db.session.scalars(
                select(Reservation)
                .where(Reservation.id.in_(self.reservation_ids))
                .order_by(Reservation.id)
            )
        )

    def _movable(self, actors: tuple[str, ...]) -> list[tuple[Reservation, list[tuple[str, str]]]]:
        """The reservations ``actors`` may move on, each with the (action, who) the design
        allows them."""
        if not self.reservation_ids:
            return []
        return [(r, moves) for r in self._reservations() if (moves := lawful_moves(r, actors))]

    def _move(
        self, by: str, reservation: Reservation, action: str, with_reason: bool, right_code: bool
    ) -> None:
        actor = {
            "claimant": db.session.get(User, reservation.claimant_id),
            "owner": self.owner,
            "coordinator": self.coordinator,
        }[by]
        expected = expected_move(reservation, action, by, with_reason, right_code)
        reason = "情况有变" if with_reason else ""
        code = reservation.pickup_code if right_code else wrong_code(reservation.pickup_code)
        reservation_id = reservation.id
        call = {
            "confirm": lambda: services.confirm(actor, reservation_id),
            "decline": lambda: services.decline(actor, reservation_id, reason or "不方便"),
            "cancel": lambda: services.cancel(actor, reservation_id, reason),
            "pickup": lambda: services.pickup(actor, reservation_id, code),
            "no_show": lambda: services.mark_no_show(actor, reservation_id),
            "return": lambda: services.mark_returned(actor, reservation_id),
            "complete": lambda: services.complete(actor, reservation_id),
        }[action]
        outcome = attempt(call)
        if isinstance(outcome, Reservation):
            outcome = outcome.status
        assert outcome == expected, (action, by, outcome, expected)

    # --- moderation -----------------------------------------------------------------------------

    @rule(which=st.integers(0, 3), action=st.sampled_from(["hide", "restore"]))
    def coordinator_moderates(self, which: int, action: str) -> None:
        """A coordinator hides an offer (its open claims end) or restores it."""
        listing_id = self.listing_ids[which]
        db.session.expire_all()
        state = db.session.get(Listing, listing_id).moderation
        allowed_from = {"hide": ("pending", "approved"), "restore": ("hidden", "rejected")}
        target = {"hide": "hidden", "restore": "approved"}[action]
        expected = target if state in allowed_from[action] else "invalid_transition"

        outcome = attempt(
            lambda: moderation.moderate_listing(self.coordinator, listing_id, action, "核查")
        )

        assert getattr(outcome, "moderation", outcome) == expected, (action, state, outcome)

    # --- time -----------------------------------------------------------------------------------

    @rule(step=st.sampled_from([*TIME_STEPS, None]), sweeps=st.sampled_from([0, 1, 1, 2]))
    def time_passes(self, step: timedelta | None, sweeps: int) -> None:
        """Time passes (``None``: until the next slot begins, when its bookings are handed
        over), then the sweepers (listings' expiry, then reservations') run not at all, once,
        or twice in a row (the second run finding nothing left to do)."""
        clock.advance(self._until_the_next_slot() if step is None else step)
        self.unswept_time = not sweeps
        if sweeps:
            self.expired_ids |= self._closed_by_time()
            listings.expire_listings()
            services.sweep()
        if sweeps == 2:
            assert listings.expire_listings() == listings.ExpiryReport(0, 0)
            assert services.sweep() == services.SweepReport(), "a second sweep found more to do"

    def _until_the_next_slot(self) -> timedelta:
        now = clock.now()
        ahead = [slot.starts_at - now for slot in self.slots if slot.starts_at > now]
        return min(ahead, default=TIME_STEPS[0])

    def _closed_by_time(self) -> set[int]:
        """The public offers the listings' expiry is to close now: every pick-up window of the
        donation over, every slot of the skill begun."""
        db.session.expire_all()
        now = clock.now()
        ahead = {
            self.donation.id: any(w.ends_at > now for w in self.windows),
            self.skill.id: any(s.starts_at > now for s in self.slots),
        }
        return {
            listing_id
            for listing_id, time_ahead in ahead.items()
            if not time_ahead and db.session.get(Listing, listing_id).status in PUBLIC_STATUSES
        }

    def teardown(self) -> None:
        """Close what this example left open, so that later examples' sweeps pass it by."""
        if not hasattr(self, "listing_ids"):
            return
        db.session.rollback()
        db.session.execute(
            update(Reservation)
            .where(
                Reservation.listing_id.in_(self.listing_ids),
                Reservation.status.not_in(FINAL_STATUSES),
            )
            .values(status="cancelled")
        )
        db.session.commit()

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def counters_statuses_and_histories_agree(self) -> None:
        db.session.expire_all()
        listings = {
            listing.id: listing
            for listing in db.session.scalars(
                select(Listing)
                .where(Listing.id.in_(self.listing_ids))
                .options(selectinload(Listing.slots))
            )
        }
        reservations = db.session.scalars(
            select(Reservation)
            .where(Reservation.listing_id.in_(self.listing_ids))
            .options(
                selectinload(Reservation.events),
                selectinload(Reservation.pickup_window),
                selectinload(Reservation.slot),
            )
        ).all()
        by_listing: dict[int, list[Reservation]] = {listing_id: [] for listing_id in listings}
        for reservation in reservations:
            by_listing[reservation.listing_id].append(reservation)
            check_history(reservation)
        for listing_id in (self.item.id, self.donation.id):
            check_units(listings[listing_id], by_listing[listing_id], self.expired_ids)
        check_slots(
            listings[self.skill.id], by_listing[self.skill.id], self.unswept_time, self.expired_ids
        )
        check_loans(listings[self.loan.id], by_listing[self.loan.id])
        check_reliability(self.user_ids, reservations, listings)
        check_reminders(self.user_ids)
        check_taken_down(listings, by_listing)


def attempt(call: Any) -> Any:
    """The service's result, or the code of the domain error it raised (after which the
    session is rolled back, as the end of a request would)."""
    try:
        return call()
    except DomainError as error:
        db.session.rollback()
        return error.code


def wrong_code(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def held_until(loan: Reservation) -> date | None:
    """A loan's last day; one still out past it holds the item through today."""
    if loan.status == "picked_up" and loan.ends_on is not None:
        return max(loan.ends_on, local_today())
    return loan.ends_on


def item_not_back(loan: Reservation) -> bool:
    """Whether an earlier loan of the item is still out (so this one could not go out)."""
    if loan.starts_on is None:
        return False
    others = db.session.scalars(
        select(Reservation).where(
            Reservation.listing_id == loan.listing_id, Reservation.id != loan.id
        )
    )
    return any(other.status == "picked_up" and other.starts_on < loan.starts_on for other in others)


def overlaps(start: date | None, end: date | None, other_start: date, other_end: date) -> bool:
    assert start is not None and end is not None
    return start <= other_end and other_start <= end


def lawful_moves(reservation: Reservation, actors: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (action, who) pairs the design allows ``actors`` from the reservation's state."""
    return [
        (action, by)
        for action, (allowed, hand_over_moves, loan_moves) in MOVES.items()
        if reservation.status in (loan_moves if reservation.listing.is_loan else hand_over_moves)
        for by in sorted(allowed)
        if by in actors
    ]


def expected_move(
    reservation: Reservation, action: str, by: str, with_reason: bool, right_code: bool
) -> str:
    allowed, hand_over_moves, loan_moves = MOVES[action]
    moves = loan_moves if reservation.listing.is_loan else hand_over_moves
    if reservation.status not in moves:
        return "invalid_transition"
    if by not in allowed:
        return "forbidden"
    if action == "cancel" and by != "claimant" and not with_reason:
        return "reason_required"
    if action == "cancel" and by == "claimant" and pickup_missed(reservation):
        return "too_late"
    if action == "confirm" and hold_is_over(reservation):
        return "hold_expired"
    if action == "no_show" and clock.now() < (pickup_ends(reservation) or clock.now()):
        return "too_early"
    if action == "no_show" and item_not_back(reservation):
        return "item_not_back"
    if action == "pickup":
        if too_early_to_hand_over(reservation):
            return "too_early"
        locked = reservation.pickup_locked_until
        if locked is not None and locked > clock.now():
            return "pickup_locked"
        if not right_code:
            return "wrong_code"
    return moves[reservation.status]


def too_early_to_hand_over(reservation: Reservation) -> bool:
    """A session begins at most the configured minutes before its slot; a loan on its first day."""
    if reservation.slot is not None:
        early = timedelta(minutes=current_app.config["RESERVATION_EARLY_START_MINUTES"])
        return clock.now() < reservation.slot.starts_at - early
    return reservation.starts_on is not None and local_today() < reservation.starts_on


def pickup_ends(reservation: Reservation) -> datetime | None:
    """When the time to collect is over: the window's or slot's end, the loan's first day's."""
    if reservation.pickup_window is not None:
        return reservation.pickup_window.ends_at
    if reservation.slot is not None:
        return reservation.slot.ends_at
    if reservation.starts_on is not None:
        day_after = reservation.starts_on + timedelta(days=1)
        return datetime.combine(day_after, time(), tzinfo=LOCAL_ZONE)
    return None


def pickup_missed(reservation: Reservation) -> bool:
    """A confirmed claim whose time to collect is over (and the lent item was back): only its
    owner, a coordinator or the sweeper ends it now."""
    ends = pickup_ends(reservation)
    return (
        reservation.status == "confirmed"
        and ends is not None
        and clock.now() >= ends
        and not item_not_back(reservation)
    )


def hold_is_over(reservation: Reservation) -> bool:
    assert reservation.hold_expires_at is not None
    return reservation.hold_expires_at <= clock.now()


def taken(reservations: list[Reservation], statuses: tuple[str, ...] = TAKING) -> int:
    return sum(r.quantity for r in reservations if r.status in statuses)


def check_units(listing: Listing, reservations: list[Reservation], expired_ids: set[int]) -> None:
    assert listing.quantity is not None
    reserved, handed_over = taken(reservations), taken(reservations, HANDED_OVER)
    assert listing.units_reserved == reserved
    assert listing.units_handed_over == handed_over
    assert taken(reservations, HOLDING_STATUSES) <= reserved <= listing.quantity
    if handed_over >= listing.quantity:
        assert listing.status == "closed"  # everything given, whether time closed it or not
    elif listing.id in expired_ids:
        assert listing.status == "expired"  # and stays so while anything is left to hand over
    else:
        assert listing.status == ("fully_reserved" if reserved >= listing.quantity else "open")
    left = listing.quantity - reserved
    for waiting in (r for r in reservations if r.status == "waitlisted"):
        window = waiting.pickup_window
        still_ahead = window is None or window.ends_at > clock.now()
        assert not (waiting.quantity <= left and still_ahead), (
            "a waitlisted claim fits but was not moved up"
        )


def check_slots(
    listing: Listing, reservations: list[Reservation], unswept_time: bool, expired_ids: set[int]
) -> None:
    for slot in listing.slots:
        bookings = [r for r in reservations if r.slot_id == slot.id]
        assert slot.booked == taken(bookings) <= slot.capacity
        assert slot.handed_over == taken(bookings, HANDED_OVER)
        for waiting in (r for r in bookings if r.status == "waitlisted"):
            assert not (waiting.quantity <= slot.free and slot.starts_at > clock.now()), (
                "a waitlisted booking fits but was not moved up"
            )
    room_ahead = any(slot.free and slot.starts_at > clock.now() for slot in listing.slots)
    expected = "open" if room_ahead else "fully_reserved"
    if all(slot.handed_over == slot.capacity for slot in listing.slots):
        assert listing.status == "closed"
    elif listing.id in expired_ids:
        assert listing.status == "expired"
    elif unswept_time:
        # Open until the next sweep sees that the last slot with room has begun.
        assert listing.status in (expected, "open")
    else:
        assert listing.status == expected


def check_loans(listing: Listing, reservations: list[Reservation]) -> None:
    holding = [r for r in reservations if r.status in HOLDING_STATUSES]
    for first, second in combinations(holding, 2):
        assert not overlaps(first.starts_on, first.ends_on, second.starts_on, second.ends_on), (
            "two holding loans overlap"
        )
    assert not any(r.status == "waitlisted" for r in reservations)
    assert listing.status == "open"


def check_history(reservation: Reservation) -> None:
    events = reservation.events
    assert (events[0].action, events[0].from_status) == ("claim", None)
    assert events[0].actor_id == reservation.claimant_id
    for before, after in pairwise(events):
        assert after.from_status == before.to_status
        assert after.at >= before.at
    assert events[-1].to_status == reservation.status
    pickup_end = pickup_ends(reservation)
    if reservation.status == "pending":
        assert reservation.hold_expires_at is not None
        # A hold ends with the time to collect: a later confirmation would make a no-show.
        assert pickup_end is None or reservation.hold_expires_at <= pickup_end
    for no_show in (event for event in events if event.action == "no_show"):
        assert pickup_end is None or no_show.at >= pickup_end, "a no-show before the time was over"
    assert (
        reservation.listing.auto_confirm
        or reservation.status != "confirmed"
        or any(event.action == "confirm" for event in events)
    )
    for promotion in (event for event in events if event.action == "promote"):
        # Moving up never promises a slot that has started or a window that is over.
        if reservation.slot is not None:
            assert promotion.at < reservation.slot.starts_at
        if reservation.pickup_window is not None:
            assert promotion.at < reservation.pickup_window.ends_at


def check_reliability(
    user_ids: list[int], reservations: list[Reservation], listings: dict[int, Listing]
) -> None:
    completed: Counter[int] = Counter()
    no_shows: Counter[int] = Counter()
    late: Counter[int] = Counter()
    for r in reservations:
        if r.status == "completed":
            completed[r.claimant_id] += 1
            completed[listings[r.listing_id].owner_id] += 1
        no_shows[r.claimant_id] += r.status == "no_show"
        if r.returned_at is not None and r.ends_on is not None:
            late[r.claimant_id] += r.returned_at.astimezone(LOCAL_ZONE).date() > r.ends_on
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
        assert (user.completed_exchanges, user.no_shows, user.late_returns) == (
            completed[user.id],
            no_shows[user.id],
            late[user.id],
        ), user.id


def check_taken_down(
    listings: dict[int, Listing], by_listing: dict[int, list[Reservation]]
) -> None:
    """A listing moderation took down has no claim waiting, pending or confirmed."""
    for listing_id, listing in listings.items():
        if listing.moderation != "approved":
            still_open = [
                r.status
                for r in by_listing[listing_id]
                if r.status in ("waitlisted", "pending", "confirmed")
            ]
            assert still_open == [], (listing.moderation, still_open)


def check_reminders(user_ids: list[int]) -> None:
    sent = Counter(
        (n.kind, n.payload.get("reservation_id"), n.user_id)
        for n in db.session.scalars(select(Notification).where(Notification.user_id.in_(user_ids)))
        if n.kind in ("pickup_tomorrow", "return_tomorrow", "loan_overdue")
    )
    assert all(count == 1 for count in sent.values()), sent


def test_invariants_hold_under_random_sequences(app_ctx: Any) -> None:
    run_state_machine_as_test(
        ReservationMachine,
        settings=settings(
            max_examples=50,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
