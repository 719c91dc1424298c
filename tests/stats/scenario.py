"""A month of Qingxi village, built by hand so that every figure of ``GET /stats`` is known.

Places: a subdistrict with the village (three grids, a square in the first) and a neighbouring
community with one grid. Listings are created at fixed times by moving the clock; exchanges go
through the reservation services (claim, confirm, pick-up, return, complete, no-show); points
through the points services. Times are UTC; Qingxi is UTC+8, so the month of November in
Qingxi runs from 2026-10-31 16:00 to 2026-11-30 16:00 UTC.

What happens (all in November, local time, unless said otherwise):

- 10-31 23:59 an item is given away in grid one (before the month: never counted).
- 11-01 00:00 a merchant lists a donation of rice in grid two (the month's first minute).
- 11-03 10:00 ("T0") the rest is posted: a 90-minute haircut (square, beauty), a drill to
  lend (grid two, tools), a pram and a pile of books to give away (grid one), requests for a pram
  (grid one) and a drill (grid two), a request for tutoring (grid two), and in the neighbouring
  community a jack to give away (tools). All claims are made at T0 and confirmed an hour later.
- T0+1d pram, drill, haircut and jack are picked up; 2h later the haircut completes (15 points
  for the barber). T0+2d the pram completes and meets its request (48 h). T0+3d the drill comes
  back and completes, meeting its request (72 h). T0+4d the books' claimant is a no-show.
  T0+5d the jack completes in the neighbouring community.
- T0+6d grants: 20 to resident A, 10 to the neighbour, 5 to resident B (then revoked).
- T0+7d resident A redeems a 15-point reward (handed over) and a 5-point one (cancelled).
- 12-01 00:00 a listing and a grant that fall after the month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from marketplace import clock
from marketplace.points import services as points
from marketplace.reservations import services as reservations
from marketplace.reservations.services import Claim
from tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    GridFactory,
    MerchantFactory,
    SpaceFactory,
    SubdistrictFactory,
    UserFactory,
)
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    ItemRequestFactory,
    LendOfferFactory,
    ListingSlotFactory,
    SkillOfferFactory,
    SkillRequestFactory,
)
from tests.points_factories import RewardFactory

T0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 11-03 10:00 in Qingxi
JUST_BEFORE_NOVEMBER = datetime(2026, 10, 31, 15, 59, tzinfo=UTC)
NOVEMBER_STARTS = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
DECEMBER_STARTS = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@dataclass
class Village:
    subdistrict: Any
    village: Any
    grid_one: Any
    grid_two: Any
    grid_three: Any
    square: Any
    neighbour_grid: Any


def places() -> Village:
    subdistrict = SubdistrictFactory(name="雕庄街道")
    village = CommunityFactory(parent=subdistrict, name="清溪村")
    grid_one = GridFactory(parent=village, name="清溪村第一网格")
    grid_two = GridFactory(parent=village, name="清溪村第二网格")
    grid_three = GridFactory(parent=village, name="清溪村第三网格")
    square = SpaceFactory(parent=grid_one, name="清溪村健康广场")
    neighbour = CommunityFactory(parent=subdistrict, name="雕庄社区")
    neighbour_grid = GridFactory(parent=neighbour, name="雕庄社区第一网格")
    return Village(subdistrict, village, grid_one, grid_two, grid_three, square, neighbour_grid)


def at(moment: datetime) -> None:
    clock.freeze(moment)


def build(app: Flask) -> Village:
    """Build the month (services need the app context; requests must come after, outside it)."""
    with app.app_context():
        return _build()


def _build() -> Village:
    at(JUST_BEFORE_NOVEMBER)
    place = places()
    resident_a = UserFactory(display_name="居民甲", home_place_id=place.grid_one.id)
    resident_b = UserFactory(display_name="居民乙", home_place_id=place.grid_two.id)
    barber = UserFactory(display_name="理发师", home_place_id=place.grid_one.id)
    lender = UserFactory(display_name="出借人", home_place_id=place.grid_two.id)
    giver = UserFactory(display_name="赠送人", home_place_id=place.square.id)
    neighbour = UserFactory(display_name="邻居", home_place_id=place.neighbour_grid.id)
    neighbour_claimant = UserFactory(home_place_id=place.neighbour_grid.id)
    merchant = MerchantFactory(home_place_id=place.grid_two.id)
    coordinator = CoordinatorFactory()

    ItemOfferFactory(owner=giver, place=place.grid_one, category="household")
    at(NOVEMBER_STARTS)
    DonationOfferFactory(owner=merchant, organisation=merchant.organisation, place=place.grid_two)

    at(T0)
    haircut = SkillOfferFactory(owner=barber, place=place.square, category="beauty", slots=[])
    slot = ListingSlotFactory(
        listing=haircut,
        starts_at=T0 + timedelta(days=1),
        ends_at=T0 + timedelta(days=1, minutes=90),
    )
    drill = LendOfferFactory(owner=lender, place=place.grid_two, category="tools")
    pram = ItemOfferFactory(owner=giver, place=place.grid_one, category="baby_kids")
    books = ItemOfferFactory(owner=giver, place=place.grid_one, category="books_education")
    pram_wanted = ItemRequestFactory(owner=resident_a, place=place.grid_one, category="baby_kids")
    drill_wanted = ItemRequestFactory(owner=resident_b, place=place.grid_two, category="tools")
    SkillRequestFactory(owner=resident_b, place=place.grid_two, category="tutoring")
    jack = ItemOfferFactory(owner=neighbour, place=place.neighbour_grid, category="tools")

    today = reservations.local_today()
    haircut_claim = reservations.claim(resident_a, haircut.id, Claim(slot_id=slot.id))
    loan = reservations.claim(
        resident_b,
        drill.id,
        Claim(
            starts_on=today + timedelta(days=1),
            ends_on=today + timedelta(days=2),
            request_id=drill_wanted.id,
        ),
    )
    pram_claim = reservations.claim(resident_a, pram.id, Claim(request_id=pram_wanted.id))
    books_claim = reservations.claim(resident_b, books.id, Claim())
    jack_claim = reservations.claim(neighbour_claimant, jack.id, Claim())

    at(T0 + timedelta(hours=1))
    reservations.confirm(barber, haircut_claim.id)
    reservations.confirm(lender, loan.id)
    reservations.confirm(giver, pram_claim.id)
    reservations.confirm(giver, books_claim.id)
    reservations.confirm(neighbour, jack_claim.id)

    at(T0 + timedelta(days=1))
    for owner, claim in (
        (barber, haircut_claim),
        (lender, loan),
        (giver, pram_claim),
        (neighbour, jack_claim),
    ):
        reservations.pickup(owner, claim.id, claim.pickup_code)
    at(T0 + timedelta(days=1, hours=2))
    reservations.complete(resident_a, haircut_claim.id)  # the claimant: 15 points at once
    at(T0 + timedelta(days=2))
    reservations.complete(resident_a, pram_claim.id)
    at(T0 + timedelta(days=3))
    reservations.mark_returned(lender, loan.id)
    reservations.complete(lender, loan.id)
    at(T0 + timedelta(days=4))
    reservations.mark_no_show(giver, books_claim.id)
    at(T0 + timedelta(days=5))
    reservations.complete(neighbour_claimant, jack_claim.id)

    at(T0 + timedelta(days=6))
    points.grant(coordinator, resident_a.id, 20, "健康广场义务清洁")
    points.grant(coordinator, neighbour.id, 10, "重阳节敬老活动志愿者")
    mistaken = points.grant(coordinator, resident_b.id, 5, "登记错误")
    points.revoke_grant(coordinator, mistaken.id, "重复登记")

    at(T0 + timedelta(days=7))
    haircut_voucher = RewardFactory(merchant=merchant, points_cost=15, pickup_place=place.village)
    soap = RewardFactory(merchant=merchant, points_cost=5, pickup_place=place.village)
    kept = points.redeem(resident_a, haircut_voucher.id)
    points.hand_over(merchant, kept.id, kept.pickup_code)
    returned = points.redeem(resident_a, soap.id)
    points.cancel_redemption(resident_a, returned.id)

    at(DECEMBER_STARTS)
    ItemOfferFactory(owner=giver, place=place.grid_one)
    points.grant(coordinator, resident_a.id, 7, "十二月活动")
    return place
