"""The owner's edit form changes a skill's slots and a donation's pick-up windows: change, add
and remove rows, with the service's refusals (a booked slot, a window a claim uses, less than is
claimed) shown next to the field."""

from __future__ import annotations

from datetime import timedelta

from marketplace import clock
from marketplace.extensions import db
from marketplace.listings.models import Listing
from tests.factories import CommunityFactory, UserFactory
from tests.listing_factories import DonationOfferFactory, ListingFactory, SkillOfferFactory
from tests.reservation_factories import (
    DonationReservationFactory,
    ReservationFactory,
    SkillReservationFactory,
    organisation_listing,
)
from tests.web.pages import form_values, text_of


def stored(listing_id: int) -> Listing:
    db.session.expire_all()
    return db.session.get(Listing, listing_id)


def edit_form(browser, listing) -> dict[str, str]:
    path = f"/listings/{listing.id}/edit"
    return form_values(browser, path, path)


def save(browser, listing, values: dict[str, str]):
    return browser.post(f"/listings/{listing.id}/edit", data=values)


def in_days(days: int) -> str:
    return (clock.now() + timedelta(days=days)).date().isoformat()


def test_the_edit_form_shows_each_slot_with_a_box_to_remove_it(browser_as):
    listing = SkillOfferFactory()
    slot = listing.slots[0]

    values = edit_form(browser_as(listing.owner), listing)

    assert values["slot-0-id"] == str(slot.id)
    assert values["slot-0-capacity"] == "1"
    page = text_of(browser_as(listing.owner).get(f"/listings/{listing.id}/edit"))
    assert 'name="slot-0-remove"' in page
    assert '<label for="slot-0-date">' in page
    assert 'name="slot-1-id"' not in page  # blank rows for new slots have no id


def test_saving_an_unchanged_form_keeps_the_slots_as_they_were(browser_as):
    listing = SkillOfferFactory()
    slot = listing.slots[0]
    starts_at, ends_at = slot.starts_at, slot.ends_at
    browser = browser_as(listing.owner)

    response = save(browser, listing, edit_form(browser, listing))

    assert response.status_code == 303, text_of(response)
    kept = stored(listing.id).slots
    assert [(s.id, s.starts_at, s.ends_at) for s in kept] == [(slot.id, starts_at, ends_at)]


def test_the_owner_changes_a_slots_capacity_and_adds_another(browser_as):
    listing = SkillOfferFactory()
    browser = browser_as(listing.owner)
    values = edit_form(browser, listing)
    values.update({"slot-0-capacity": "3", "slot-1-date": in_days(5), "slot-1-start": "14:00",
                   "slot-1-end": "15:30", "slot-1-capacity": "2"})  # fmt: skip

    response = save(browser, listing, values)

    assert response.status_code == 303, text_of(response)
    slots = sorted(stored(listing.id).slots, key=lambda slot: slot.starts_at)
    assert [slot.capacity for slot in slots] == [3, 2]
    assert slots[1].starts_at.astimezone(clock.now().tzinfo).hour == 6  # 14:00 in Shanghai


def test_the_owner_removes_a_free_slot(browser_as):
    listing = SkillOfferFactory()
    removed_start = listing.slots[0].starts_at
    browser = browser_as(listing.owner)
    values = edit_form(browser, listing)
    values.update({"slot-0-remove": "on", "slot-1-date": in_days(4), "slot-1-start": "09:00",
                   "slot-1-end": "10:00"})  # fmt: skip

    response = save(browser, listing, values)

    assert response.status_code == 303, text_of(response)
    slots = stored(listing.id).slots
    assert len(slots) == 1 and slots[0].starts_at != removed_start


def test_a_booked_slot_cannot_be_removed_and_the_form_says_so_next_to_the_slots(browser_as):
    reservation = SkillReservationFactory()
    listing = reservation.listing
    browser = browser_as(listing.owner)
    values = edit_form(browser, listing)
    values.update({"slot-0-remove": "on", "slot-1-date": in_days(4), "slot-1-start": "09:00",
                   "slot-1-end": "10:00"})  # fmt: skip

    response = save(browser, listing, values)

    page = text_of(response)
    assert response.status_code == 422
    assert '<p class="field-error" id="err-slots">' in page
    assert "已有人预约，不能删除" in page
    assert 'name="slot-0-remove" checked' in page  # the form comes back as it was sent
    assert [slot.id for slot in stored(listing.id).slots] == [reservation.slot_id]


def test_a_slots_capacity_cannot_go_below_its_bookings(browser_as):
    listing = SkillOfferFactory(slots__capacity=3)
    SkillReservationFactory.create_batch(2, listing=listing)
    browser = browser_as(listing.owner)
    values = edit_form(browser, listing)
    values["slot-0-capacity"] = "1"

    response = save(browser, listing, values)

    assert response.status_code == 422
    assert "已有 2 人预约，名额不能少于这个数" in text_of(response)
    assert stored(listing.id).slots[0].capacity == 3


def test_a_slot_in_the_past_is_refused_next_to_the_slots(browser_as):
    listing = SkillOfferFactory()
    browser = browser_as(listing.owner)
    values = edit_form(browser, listing)
    values.update({"slot-1-date": in_days(-2), "slot-1-start": "09:00", "slot-1-end": "10:00"})

    response = save(browser, listing, values)

    assert response.status_code == 422
    assert "第 2 个时段必须是将来的时间" in text_of(response)


def test_the_owner_moves_a_donations_pickup_window_and_adds_one(browser_as):
    listing = organisation_listing(DonationOfferFactory)
    browser = browser_as(listing.owner)
    values = edit_form(browser, listing)
    values.update({"window-0-start": "08:00", "window-0-end": "11:00",
                   "window-1-date": in_days(6), "window-1-start": "15:00", "window-1-end": "17:00",
                   "window-1-place_id": str(listing.place_id)})  # fmt: skip

    response = save(browser, listing, values)

    assert response.status_code == 303, text_of(response)
    windows = sorted(stored(listing.id).pickup_windows, key=lambda window: window.starts_at)
    assert len(windows) == 2
    assert windows[0].id == listing.pickup_windows[0].id
    assert windows[0].starts_at.astimezone(clock.now().tzinfo).hour == 0  # 08:00 in Shanghai


def test_a_window_a_claim_uses_cannot_be_removed(browser_as):
    reservation = DonationReservationFactory(listing=organisation_listing(DonationOfferFactory))
    listing = reservation.listing
    browser = browser_as(listing.owner)
    values = edit_form(browser, listing)
    values.update({"window-0-remove": "on", "window-1-date": in_days(6), "window-1-start": "15:00",
                   "window-1-end": "17:00", "window-1-place_id": str(listing.place_id)})  # fmt: skip

    response = save(browser, listing, values)

    page = text_of(response)
    assert response.status_code == 409
    assert '<p class="field-error" id="err-pickup_windows">' in page
    assert "还有预约在用" in page
    assert [w.id for w in stored(listing.id).pickup_windows] == [reservation.pickup_window_id]


def test_a_donation_needs_at_least_one_window(browser_as):
    listing = organisation_listing(DonationOfferFactory)
    browser = browser_as(listing.owner)
    values = edit_form(browser, listing)
    values["window-0-remove"] = "on"

    response = save(browser, listing, values)

    assert response.status_code == 422
    assert "请至少填写一个领取时间" in text_of(response)


def test_the_quantity_cannot_go_below_what_is_claimed(browser_as):
    listing = ListingFactory(quantity=5)
    ReservationFactory(listing=listing, quantity=3)
    browser = browser_as(listing.owner)
    values = edit_form(browser, listing)
    values["quantity"] = "2"

    response = save(browser, listing, values)

    page = text_of(response)
    assert response.status_code == 422
    assert 'aria-invalid="true" aria-describedby="err-quantity"' in page
    assert "已有 3 份被申请，数量不能少于这个数" in page
    assert stored(listing.id).quantity == 5


def test_only_the_owner_may_edit_the_slots(browser_as, client):
    listing = SkillOfferFactory()
    owner_values = edit_form(browser_as(listing.owner), listing)
    other = browser_as(UserFactory())
    other_values = {**owner_values, "csrf_token": form_values(other, "/", "/logout")["csrf_token"]}
    other_values["slot-0-remove"] = "on"

    assert other.get(f"/listings/{listing.id}/edit").status_code == 403
    assert save(other, listing, other_values).status_code == 403
    assert client.get(f"/listings/{listing.id}/edit").status_code == 302
    assert len(stored(listing.id).slots) == 1


def test_a_skill_posted_as_the_page_shows_it_ignores_the_blank_slot_rows(browser_as):
    """Blank rows carry a default capacity of 1; only rows with a time count as slots."""
    place = CommunityFactory()
    browser = browser_as(UserFactory())
    values = form_values(browser, "/post?type=skill", "/post")
    values.update({"title": "上门修电脑", "category": "repair", "tags": "电脑", "place_id": place.id,
                   "slot-0-date": in_days(3), "slot-0-start": "19:00", "slot-0-end": "20:00"})  # fmt: skip

    response = browser.post("/post", data=values)

    assert response.status_code == 303, text_of(response)
    assert values["slot-1-capacity"] == "1"
    listing = db.session.get(Listing, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert len(listing.slots) == 1
