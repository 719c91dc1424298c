"""Prohibited words send a listing to the review queue with the word as the reason, whatever the
moderation mode, and usual evasions (traditional characters, full-width letters, spaces or
punctuation between characters) do not get past them."""

from __future__ import annotations

import pytest

from marketplace.moderation.words import find_prohibited_word
from tests.factories import CoordinatorFactory
from tests.listing_factories import ItemOfferFactory
from tests.listings import bodies
from tests.listings.state import stored

WORDS = ("处方药", "香烟", "gun", "prescription drug", "cigarette")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("出售处方药", "处方药"),
        ("出售處方藥", "处方药"),
        ("处 方 药 便宜出", "处方药"),
        ("处-方-药", "处方药"),
        ("处\u3000方\u3000药", "处方药"),
        ("好香．烟", "香烟"),
        ("a toy GUN", "gun"),
        ("ｇｕｎ for sale", "gun"),
        ("g u n", "gun"),
        ("g-u-n", "gun"),
        ("Ｇ Ｕ Ｎ", "gun"),
        ("two guns", "gun"),
        ("cheap CIGARETTES", "cigarette"),
        ("c i g a r e t t e", "cigarette"),
        ("Prescription  Drugs", "prescription drug"),
        ("出售gun一把", "gun"),
    ],
)
def test_prohibited_word_is_found_through_evasions(text, word):
    assert find_prohibited_word([text], WORDS) == word


@pytest.mark.parametrize(
    "text",
    ["it has begun", "burgundy sofa", "处方笺夹子", "香草烟灰缸", "drug store coupon"],
)
def test_innocent_text_is_not_flagged(text):
    assert find_prohibited_word([text], WORDS) is None


@pytest.mark.parametrize("mode", ["pre", "post", "trusted"])
def test_listing_with_a_prohibited_word_waits_for_review_whatever_the_mode(
    app, monkeypatch, poster_client, community, mode
):
    monkeypatch.setitem(app.config, "MODERATION_MODE", mode)

    response = poster_client.post(
        "/api/v1/listings", json=bodies.item_offer(community.id, title="出售處方藥")
    )

    assert response.status_code == 201
    listing = stored(response.json["id"])
    assert (listing.moderation, listing.moderation_reason) == ("pending", "prohibited word: 处方药")


@pytest.mark.parametrize(
    "field_values",
    [
        {"description": "全新 ｃｉｇａｒｅｔｔｅ 一条"},
        {"tags": ["香 烟"]},
        {"title": "玩具 g u n"},
    ],
    ids=["description", "tag", "title"],
)
def test_prohibited_word_anywhere_in_the_text_holds_the_listing(
    poster_client, community, field_values
):
    response = poster_client.post(
        "/api/v1/listings", json=bodies.item_offer(community.id, **field_values)
    )

    listing = stored(response.json["id"])
    assert listing.moderation == "pending"
    assert listing.moderation_reason.startswith("prohibited word: ")


def test_coordinators_listing_with_a_prohibited_word_is_held_too(client_as, community):
    response = client_as(CoordinatorFactory()).post(
        "/api/v1/listings", json=bodies.item_offer(community.id, title="回收香烟")
    )

    assert stored(response.json["id"]).moderation_reason == "prohibited word: 香烟"


def test_edit_adding_a_prohibited_word_takes_a_listing_off_the_board(client, client_as, poster):
    listing = ItemOfferFactory(owner=poster)

    response = client_as(poster).patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "description": "附赠電子煙"}
    )

    assert response.status_code == 200
    saved = stored(listing.id)
    assert (saved.moderation, saved.moderation_reason) == ("pending", "prohibited word: 电子烟")
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404


def test_word_list_comes_from_configuration(app, monkeypatch, poster_client, community):
    monkeypatch.setitem(app.config, "PROHIBITED_WORDS", ("彩票",))

    flagged = poster_client.post(
        "/api/v1/listings", json=bodies.item_offer(community.id, title="代买彩 票")
    )
    allowed = poster_client.post(
        "/api/v1/listings", json=bodies.item_offer(community.id, title="旧香烟盒收藏")
    )

    assert stored(flagged.json["id"]).moderation_reason == "prohibited word: 彩票"
    assert stored(allowed.json["id"]).moderation == "approved"
