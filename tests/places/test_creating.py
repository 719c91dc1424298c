"""A coordinator grows the tree: kinds nest by the rules, and paths follow from the parents."""

from __future__ import annotations

import pytest

from tests.core.error_shape import assert_error
from tests.factories import GridFactory, SubdistrictFactory
from tests.places.state import place_count, stored


def test_coordinator_builds_a_branch_with_materialised_paths_and_depths(staff):
    subdistrict = staff.post("/api/v1/places", json={"kind": "subdistrict", "name": "雕庄街道"})
    assert subdistrict.status_code == 201
    root_id = subdistrict.json["id"]
    community = staff.post(
        "/api/v1/places", json={"parent_id": root_id, "kind": "community", "name": "清溪村"}
    )
    assert community.status_code == 201
    community_id = community.json["id"]
    grid = staff.post(
        "/api/v1/places",
        json={"parent_id": community_id, "kind": "grid", "name": "清溪村第一网格"},
    )
    assert grid.status_code == 201
    grid_id = grid.json["id"]

    assert subdistrict.json["path"] == f"/{root_id}/"
    assert subdistrict.json["depth"] == 0
    assert subdistrict.json["parent_id"] is None
    assert community.json["path"] == f"/{root_id}/{community_id}/"
    assert community.json["depth"] == 1
    assert grid.json["path"] == f"/{root_id}/{community_id}/{grid_id}/"
    assert grid.json["depth"] == 2
    assert grid.json["parent_id"] == community_id
    saved = stored(grid_id)
    assert (saved.path, saved.depth, saved.kind, saved.name) == (
        f"/{root_id}/{community_id}/{grid_id}/",
        2,
        "grid",
        "清溪村第一网格",
    )


def test_coordinator_creates_a_space_with_opening_hours_and_coordinates(staff, branch):
    hours = {"mon": [["08:00", "12:00"], ["14:00", "17:30"]], "sun": [["09:00", "24:00"]]}

    response = staff.post(
        "/api/v1/places",
        json={
            "parent_id": branch["community"].id,
            "kind": "space",
            "name": "文化礼堂",
            "description": "村文化礼堂",
            "opening_hours": hours,
            "latitude": 31.78,
            "longitude": 119.99,
        },
    )

    assert response.status_code == 201
    saved = stored(response.json["id"])
    assert saved.opening_hours == hours
    assert saved.description == "村文化礼堂"
    assert (saved.latitude, saved.longitude) == (31.78, 119.99)
    assert saved.depth == 2


@pytest.mark.parametrize(
    ("kind", "parent_kind"),
    [
        ("zone", "community"),
        ("grid", None),
        ("community", "grid"),
        ("grid", "space"),
        ("station", "zone"),
        ("space", "subdistrict"),
        ("subdistrict", "community"),
    ],
)
def test_kind_that_cannot_hang_under_the_parent_is_invalid(staff, branch, kind, parent_kind):
    before = place_count()
    body = {"kind": kind, "name": "新地点"}
    if parent_kind is not None:
        body["parent_id"] = branch[parent_kind].id

    response = staff.post("/api/v1/places", json=body)

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["parent_id"]
    assert isinstance(details["fields"]["parent_id"], list)
    assert place_count() == before


def test_parent_that_does_not_exist_is_invalid(staff, branch):
    response = staff.post(
        "/api/v1/places",
        json={"parent_id": branch["zone"].id + 1000, "kind": "grid", "name": "新网格"},
    )

    details = assert_error(response, 422, "invalid")
    assert "parent_id" in details["fields"]


def test_unknown_kind_is_invalid(staff, branch):
    response = staff.post(
        "/api/v1/places",
        json={"parent_id": branch["community"].id, "kind": "castle", "name": "城堡"},
    )

    details = assert_error(response, 422, "invalid")
    assert "kind" in details["fields"]


def test_name_is_required(staff, branch):
    response = staff.post(
        "/api/v1/places", json={"parent_id": branch["community"].id, "kind": "grid"}
    )

    details = assert_error(response, 422, "invalid")
    assert details["fields"]["name"] == ["Missing data for required field."]


def test_second_subdistrict_root_is_a_conflict(staff):
    SubdistrictFactory(name="雕庄街道")

    response = staff.post("/api/v1/places", json={"kind": "subdistrict", "name": "另一个街道"})

    assert_error(response, 409, "root_exists")
    assert place_count() == 1


def test_duplicate_name_among_siblings_is_a_conflict(staff, branch):
    before = place_count()

    response = staff.post(
        "/api/v1/places",
        json={"parent_id": branch["community"].id, "kind": "grid", "name": "清溪村第一网格"},
    )

    assert_error(response, 409, "place_name_taken")
    assert place_count() == before


def test_sibling_names_are_compared_without_case(staff, branch):
    GridFactory(parent=branch["community"], name="Grid A")

    response = staff.post(
        "/api/v1/places",
        json={"parent_id": branch["community"].id, "kind": "grid", "name": "grid a"},
    )

    assert_error(response, 409, "place_name_taken")


def test_same_name_under_another_parent_is_allowed(staff, branch):
    other_community = staff.post(
        "/api/v1/places",
        json={"parent_id": branch["subdistrict"].id, "kind": "community", "name": "雕庄社区"},
    )
    assert other_community.status_code == 201

    response = staff.post(
        "/api/v1/places",
        json={"parent_id": other_community.json["id"], "kind": "grid", "name": "清溪村第一网格"},
    )

    assert response.status_code == 201
