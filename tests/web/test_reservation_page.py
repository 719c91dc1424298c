"""A reservation's own page: its card with the moves the reader may make, and its history of who
did what; for its parties and coordinators only."""

from __future__ import annotations

from sqlalchemy import select

from marketplace import clock
from marketplace.extensions import db
from marketplace.reservations.models import Reservation
from tests.factories import CoordinatorFactory, UserFactory
from tests.listing_factories import ListingFactory
from tests.reservation_factories import DonationReservationFactory
from tests.web.pages import post_form, text_of


def stored(reservation_id: int) -> Reservation:
    db.session.expire_all()
    found = db.session.get(Reservation, reservation_id)
    assert found is not None
    return found


def claimed_and_confirmed(browser_as):
    """A claim made and confirmed through the pages; the claimant's and the owner's browsers."""
    listing = ListingFactory(quantity=2, title="儿童绘本")
    claimant_user = UserFactory(display_name="小王")
    claimant, owner = browser_as(claimant_user), browser_as(listing.owner)
    post_form(claimant, f"/listings/{listing.id}/claim", {"quantity": "1"})
    reservation = db.session.scalars(
        select(Reservation).where(Reservation.claimant_id == claimant_user.id)
    ).one()
    post_form(owner, f"/me/reservations/{reservation.id}/confirm", {"role": "owner"})
    return reservation, claimant, owner


def test_the_page_shows_the_card_and_who_did_what(browser_as):
    reservation, claimant, owner = claimed_and_confirmed(browser_as)
    path = f"/me/reservations/{reservation.id}"

    listed = text_of(owner.get("/me/reservations?role=owner"))
    mine = text_of(claimant.get(path))
    theirs = text_of(owner.get(path))

    assert f'href="{path}"' in listed
    assert "儿童绘本" in mine and reservation.pickup_code in mine
    assert "申请人：提出申请" in mine and "发布者：确认" in mine
    assert reservation.pickup_code not in theirs
    assert f'action="/me/reservations/{reservation.id}/pickup"' in theirs
    assert f'action="/me/reservations/{reservation.id}/pickup"' not in mine


def test_a_move_made_on_the_page_comes_back_to_it(browser_as):
    reservation, _claimant, owner = claimed_and_confirmed(browser_as)
    path = f"/me/reservations/{reservation.id}"

    response = post_form(
        owner,
        f"/me/reservations/{reservation.id}/pickup",
        {"role": "owner", "code": reservation.pickup_code, "next": path},
        token_from=path,
    )

    assert response.status_code == 303
    assert response.headers["Location"] == path
    assert stored(reservation.id).status == "picked_up"
    assert "发布者：交接" in text_of(owner.get(path))


def test_a_move_never_leads_to_another_site(browser_as):
    reservation, _claimant, owner = claimed_and_confirmed(browser_as)

    response = post_form(
        owner,
        f"/me/reservations/{reservation.id}/pickup",
        {"role": "owner", "code": reservation.pickup_code, "next": "//evil.example/"},
    )

    assert response.headers["Location"] == "/me/reservations?role=owner"


def test_a_coordinator_reads_it_without_moves_and_a_stranger_gets_404(browser_as):
    reservation, _claimant, _owner = claimed_and_confirmed(browser_as)
    path = f"/me/reservations/{reservation.id}"

    staff = text_of(browser_as(CoordinatorFactory()).get(path))
    stranger = browser_as(UserFactory()).get(path)

    assert "申请人：提出申请" in staff
    assert 'class="action-form"' not in staff
    assert stranger.status_code == 404


def test_the_no_show_button_waits_for_the_time_to_collect_to_be_over(browser_as):
    reservation = DonationReservationFactory()  # confirmed, its window tomorrow
    owner = browser_as(reservation.listing.owner)
    path = f"/me/reservations/{reservation.id}"
    no_show = f'action="/me/reservations/{reservation.id}/no_show"'

    before = text_of(owner.get(path))
    clock.advance(reservation.pickup_window.ends_at - clock.now())
    after = text_of(owner.get(path))

    assert f'action="/me/reservations/{reservation.id}/pickup"' in before
    assert no_show not in before
    assert no_show in after


def test_the_claimants_cancel_button_goes_once_the_time_to_collect_is_over(browser_as):
    reservation = DonationReservationFactory()  # confirmed, its window tomorrow
    claimant = browser_as(reservation.claimant)
    path = f"/me/reservations/{reservation.id}"
    cancel = f'action="/me/reservations/{reservation.id}/cancel"'

    before = text_of(claimant.get(path))
    clock.advance(reservation.pickup_window.ends_at - clock.now())
    after = text_of(claimant.get(path))

    assert cancel in before
    assert cancel not in after
