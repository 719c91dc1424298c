"""Field checks shared by every kind: clear 422 field errors, and text stored normalised."""

from __future__ import annotations

import pytest

from tests.factories import MerchantFactory, SubdistrictFactory
from tests.listings import bodies
from tests.listings.responses import assert_field_errors
from tests.listings.state import listing_count, stored


def _post(client, body):
    return client.post("/api/v1/listings", json=body)


@pytest.mark.parametrize(
    ("title", "stored_title"),
    [("  旧书  ", "旧书"), ("书" * 60, "书" * 60), (" " + "书" * 60 + "\t", "书" * 60)],
    ids=["trimmed", "sixty_characters", "sixty_after_trimming"],
)
def test_title_is_stored_trimmed(poster_client, community, title, stored_title):
    response = _post(poster_client, bodies.item_offer(community.id, title=title))

    assert response.status_code == 201
    assert stored(response.json["id"]).title == stored_title


@pytest.mark.parametrize(
    "title",
    [" 书 ", "书" * 61, "   ", "\u200b书\u200b"],
    ids=["one", "sixty_one", "blank", "one_visible"],
)
def test_title_must_have_two_to_sixty_characters_after_trimming(poster_client, community, title):
    response = _post(poster_client, bodies.item_offer(community.id, title=title))

    assert_field_errors(response, "title")
    assert listing_count() == 0


def test_description_of_two_thousand_characters_is_accepted(poster_client, community):
    response = _post(poster_client, bodies.item_offer(community.id, description="好" * 2000))

    assert response.status_code == 201


def test_description_longer_than_two_thousand_characters_is_refused(poster_client, community):
    response = _post(poster_client, bodies.item_offer(community.id, description="好" * 2001))

    assert_field_errors(response, "description")


@pytest.mark.parametrize("category", ["weapons", "家居日用", "", "Household"])
def test_category_must_be_a_known_slug(poster_client, community, category):
    response = _post(poster_client, bodies.item_offer(community.id, category=category))

    assert_field_errors(response, "category")


@pytest.mark.parametrize(
    "tags",
    [[], [f"标签{n}" for n in range(11)], ["很" * 21], [""], "自行车"],
    ids=["none", "eleven", "twenty_one_characters", "empty_tag", "not_a_list"],
)
def test_tags_must_be_one_to_ten_of_at_most_twenty_characters(poster_client, community, tags):
    response = _post(poster_client, bodies.item_offer(community.id, tags=tags))

    assert_field_errors(response, "tags")


def test_ten_tags_of_twenty_characters_are_accepted_and_duplicates_dropped(
    poster_client, community
):
    tags = [f"{n:02d}" + "很" * 18 for n in range(10)] + ["00" + "很" * 18]

    response = _post(poster_client, bodies.item_offer(community.id, tags=tags))

    assert response.status_code == 201
    assert stored(response.json["id"]).tags == tags[:10]


def test_tags_differing_only_in_case_or_width_count_once(poster_client, community):
    response = _post(
        poster_client, bodies.item_offer(community.id, tags=["Bike", "bike", "ｂｉｋｅ"])
    )

    assert response.status_code == 201
    assert stored(response.json["id"]).tags == ["Bike"]


@pytest.mark.parametrize("quantity", [1, 10_000])
def test_quantity_from_one_to_ten_thousand_is_accepted(client_as, community, quantity):
    body = bodies.donation_offer(community.id, quantity=quantity, per_person_limit=1)

    response = client_as(MerchantFactory()).post("/api/v1/listings", json=body)

    assert response.status_code == 201
    assert stored(response.json["id"]).quantity == quantity


@pytest.mark.parametrize("quantity", [0, -1, 10_001, "many", 2.5, "3"])
def test_quantity_outside_one_to_ten_thousand_is_refused(poster_client, community, quantity):
    response = _post(poster_client, bodies.item_offer(community.id, quantity=quantity))

    assert_field_errors(response, "quantity")


@pytest.mark.parametrize("quantity_wanted", [0, 10_001])
def test_quantity_wanted_outside_one_to_ten_thousand_is_refused(
    poster_client, community, quantity_wanted
):
    body = bodies.item_request(community.id, quantity_wanted=quantity_wanted)

    response = _post(poster_client, body)

    assert_field_errors(response, "quantity_wanted")


def _slot(start_hours: float, end_hours: float) -> dict[str, str]:
    return {"starts_at": bodies.later(hours=start_hours), "ends_at": bodies.later(hours=end_hours)}


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ([(-1, 1)], "The slot 1 must start in the future."),
        ([(0, 1)], "The slot 1 must start in the future."),
        ([(1, 3), (3, 2)], "The slot 2 must end after it starts."),
        ([(2, 2)], "The slot 1 must end after it starts."),
        ([(1, 3), (2, 4)], "Slots of one listing must not overlap."),
        ([(5, 6), (1, 8)], "Slots of one listing must not overlap."),
    ],
    ids=["started", "starting_now", "ends_before_start", "no_length", "overlap", "inside"],
)
def test_slots_must_be_future_end_after_start_and_not_overlap(
    poster_client, community, hours, message
):
    slots = [_slot(start, end) for start, end in hours]

    response = _post(poster_client, bodies.skill_offer(community.id, slots=slots))

    assert assert_field_errors(response, "slots")["slots"] == [message]
    assert listing_count() == 0


def test_back_to_back_slots_do_not_overlap(poster_client, community):
    slots = [_slot(1, 2), _slot(2, 3)]

    response = _post(poster_client, bodies.skill_offer(community.id, slots=slots))

    assert response.status_code == 201
    assert len(stored(response.json["id"]).slots) == 2


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ((-2, 1), "The window 1 must start in the future."),
        ((3, 2), "The window 1 must end after it starts."),
    ],
    ids=["started", "ends_before_start"],
)
def test_pickup_windows_must_be_future_and_end_after_start(client_as, community, hours, message):
    entry = {**_slot(*hours), "place_id": community.id}
    body = bodies.donation_offer(community.id, pickup_windows=[entry])

    response = client_as(MerchantFactory()).post("/api/v1/listings", json=body)

    assert assert_field_errors(response, "pickup_windows")["pickup_windows"] == [message]


def test_slot_times_need_a_time_zone(poster_client, community):
    slots = [{"starts_at": "2027-01-05T09:00:00", "ends_at": "2027-01-05T10:00:00"}]

    response = _post(poster_client, bodies.skill_offer(community.id, slots=slots))

    assert_field_errors(response, "slots")


@pytest.mark.parametrize("needed_by", ["a_minute_ago", "now", "next week", 20261201])
def test_needed_by_must_be_a_future_time(poster_client, community, needed_by):
    when = {"a_minute_ago": bodies.earlier(minutes=1), "now": bodies.later()}.get(
        needed_by, needed_by
    )

    response = _post(poster_client, bodies.item_request(community.id, needed_by=when))

    assert_field_errors(response, "needed_by")


def test_nine_https_photos_are_accepted(poster_client, community):
    photos = [f"https://img.example.com/{n}.jpg" for n in range(9)]

    response = _post(poster_client, bodies.item_offer(community.id, photo_urls=photos))

    assert response.status_code == 201
    assert stored(response.json["id"]).photo_urls == photos


@pytest.mark.parametrize(
    "photos",
    [
        [f"https://img.example.com/{n}.jpg" for n in range(10)],
        ["http://img.example.com/1.jpg"],
        ["javascript:alert(1)"],
        ["ftp://img.example.com/1.jpg"],
        ["/uploads/1.jpg"],
    ],
    ids=["ten", "http", "javascript", "ftp", "relative"],
)
def test_photos_are_at_most_nine_https_urls(poster_client, community, photos):
    response = _post(poster_client, bodies.item_offer(community.id, photo_urls=photos))

    assert_field_errors(response, "photo_urls")


def test_place_must_exist(poster_client):
    response = _post(poster_client, bodies.item_offer(2_000_000))

    assert_field_errors(response, "place_id")


def test_place_cannot_be_the_subdistrict_root(poster_client):
    response = _post(poster_client, bodies.item_offer(SubdistrictFactory().id))

    assert_field_errors(response, "place_id")
    assert listing_count() == 0


def test_missing_required_fields_are_all_named(poster_client):
    response = _post(poster_client, {})

    assert_field_errors(response, "side", "kind", "title", "category", "tags", "place_id")


@pytest.mark.parametrize(("field", "value"), [("side", "gift"), ("kind", "service")])
def test_side_and_kind_must_be_known(poster_client, community, field, value):
    response = _post(poster_client, bodies.item_offer(community.id, **{field: value}))

    assert_field_errors(response, field)


def test_text_is_normalised_nfkc_without_control_characters(poster_client, community):
    body = bodies.item_offer(
        community.id,
        title="ＡＢＣ\u3000儿童\x07自行车\u200b",
        description="  第一行\x00\r\n\r\n第二行  ",
        tags=["  ｂｉｋｅ\u202e "],
    )

    response = _post(poster_client, body)

    assert response.status_code == 201
    listing = stored(response.json["id"])
    assert listing.title == "ABC 儿童自行车"
    assert listing.description == "第一行\n\n第二行"
    assert listing.tags == ["bike"]


def test_html_is_stored_as_plain_text(poster_client, community):
    html = '<b>免费</b><script>alert("x")</script> & <a href="x">链接</a>'

    response = _post(poster_client, bodies.item_offer(community.id, description=html))

    assert response.status_code == 201
    assert response.json["description"] == html
    assert stored(response.json["id"]).description == html
