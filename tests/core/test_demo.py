"""``flask demo load`` builds the Diaozhuang / Qingxi demo community and its accounts, once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.places.models import Place
from tests.factories import SubdistrictFactory

ACCOUNT_LINE = re.compile(
    r"^\s+(?P<role>resident|merchant|coordinator|admin)\s+(?P<email>\S+@\S+)\s+"
    r"(?P<phone>1\d{10})\s+(?P<password>\S+)\s*$"
)


@pytest.fixture
def load_demo(cli):
    """Runs ``flask demo load`` and returns what it printed."""

    def invoke(*args: str):
        result = cli("demo", "load", *args)
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def place_named(name: str) -> Place:
    return db.session.scalars(select(Place).where(Place.name == name)).one()


def children_of(place: Place) -> list[Place]:
    return list(db.session.scalars(select(Place).where(Place.parent_id == place.id)))


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(Place.id))),
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Listing.id))),
    )


def printed_accounts(output: str) -> list[dict[str, str]]:
    return [
        match.groupdict() for line in output.splitlines() if (match := ACCOUNT_LINE.match(line))
    ]


def test_demo_builds_the_diaozhuang_subdistrict_and_qingxi_village(load_demo):
    load_demo()

    root = place_named("雕庄街道")
    assert (root.kind, root.parent_id, root.path, root.depth) == (
        "subdistrict",
        None,
        f"/{root.id}/",
        0,
    )
    communities = [place for place in children_of(root) if place.kind == "community"]
    assert "清溪村" in {community.name for community in communities}
    assert len(communities) >= 3
    qingxi = place_named("清溪村")
    assert qingxi.parent_id == root.id
    assert any(place.kind == "grid" for place in children_of(qingxi))
    for community in communities:
        assert any(place.kind == "grid" for place in children_of(community)), community.name


def test_demo_square_has_five_zones_and_the_village_has_three_stations(load_demo):
    load_demo()

    qingxi = place_named("清溪村")
    square = place_named("清溪村健康广场")
    assert square.kind == "space"
    assert square.is_within(qingxi)
    zones = children_of(square)
    assert len(zones) == 5
    assert {zone.kind for zone in zones} == {"zone"}
    for name in ("技能服务站", "项目服务站", "资源服务站"):
        station = place_named(name)
        assert station.kind == "station"
        assert station.is_within(qingxi)


def test_demo_tree_has_consistent_paths_and_depths(load_demo):
    load_demo()

    places = {place.id: place for place in db.session.scalars(select(Place))}
    assert len(places) > 15
    for place in places.values():
        if place.parent_id is None:
            assert (place.path, place.depth) == (f"/{place.id}/", 0)
            continue
        parent = places[place.parent_id]
        assert place.path == f"{parent.path}{place.id}/"
        assert place.depth == parent.depth + 1
        assert place.may_hang_under(parent), place.name


def test_demo_accounts_of_every_role_log_in_with_the_printed_passwords(load_demo, app):
    output = load_demo()

    accounts = printed_accounts(output)
    assert {account["role"] for account in accounts} == {
        "resident",
        "merchant",
        "coordinator",
        "admin",
    }
    for account in accounts:
        response = app.test_client().login(account["email"], account["password"])
        assert response.status_code == 200, (account, response.json)
        assert response.json["user"]["role"] == account["role"]
    resident = next(account for account in accounts if account["role"] == "resident")
    by_phone = app.test_client().login(resident["phone"], resident["password"])
    assert by_phone.status_code == 200


def test_demo_merchants_belong_to_verified_organisations(load_demo):
    load_demo()

    merchants = db.session.scalars(select(User).where(User.role == "merchant")).all()
    assert merchants
    for merchant in merchants:
        assert merchant.organisation is not None
        assert merchant.organisation.verified


def test_loading_the_demo_twice_creates_nothing_new(load_demo):
    load_demo()
    after_first = counts()

    output = load_demo()

    assert counts() == after_first
    assert "0 places, 0 users and 0 listings created" in output


def test_if_empty_leaves_a_database_with_places_alone(load_demo):
    SubdistrictFactory(name="某街道")

    output = load_demo("--if-empty")

    assert counts() == (1, 0, 0)
    assert "nothing loaded" in output


def test_if_empty_loads_into_an_empty_database(load_demo):
    load_demo("--if-empty")

    assert place_named("清溪村健康广场").kind == "space"


def test_demo_has_at_least_forty_listings_of_every_kind_around_the_square(load_demo):
    load_demo()

    listings = db.session.scalars(select(Listing)).all()
    assert len(listings) >= 40
    kinds = {(listing.side, listing.kind, listing.mode) for listing in listings}
    assert {
        ("offer", "item", "give"),
        ("offer", "item", "lend"),
        ("offer", "skill", None),
        ("offer", "donation", None),
        ("request", "item", None),
        ("request", "skill", None),
    } <= kinds
    square = place_named("清溪村健康广场")
    assert any(listing.place.is_within(square) for listing in listings)
    assert any(listing.title.isascii() for listing in listings), "a few listings are in English"
    assert {listing.moderation for listing in listings} == {"approved", "pending"}
