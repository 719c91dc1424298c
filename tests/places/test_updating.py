"""A coordinator renames a place, sets its opening hours, or moves it with everything below it."""

from __future__ import annotations

import pytest

from tests.core.error_shape import assert_error
from tests.factories import CommunityFactory, GridFactory, ZoneFactory
from tests.places.state import stored


def test_coordinator_renames_a_place(staff, branch):
    grid_id = branch["grid"].id

    response = staff.patch(f"/api/v1/places/{grid_id}", json={"name": "清溪村东网格"})

    assert response.status_code == 200
    assert response.json["name"] == "清溪村东网格"
    assert stored(grid_id).name == "清溪村东网格"


def test_renaming_to_a_siblings_name_is_a_conflict(staff, branch):
    second_grid = GridFactory(parent=branch["community"], name="清溪村第二网格")

    response = staff.patch(f"/api/v1/places/{second_grid.id}", json={"name": "清溪村第一网格"})

    assert_error(response, 409, "place_name_taken")
    assert stored(second_grid.id).name == "清溪村第二网格"


def test_renaming_to_its_own_name_is_allowed(staff, branch):
    response = staff.patch(f"/api/v1/places/{branch['grid'].id}", json={"name": "清溪村第一网格"})

    assert response.status_code == 200


def test_changing_an_unknown_place_is_404(staff, branch):
    response = staff.patch(f"/api/v1/places/{branch['zone'].id + 1000}", json={"name": "改名"})

    assert_error(response, 404, "not_found")


def test_coordinator_sets_and_clears_opening_hours(staff, branch):
    space_id = branch["space"].id
    hours = {"mon": [["08:00", "12:00"], ["14:00", "17:30"]], "sat": [["09:00", "24:00"]]}

    response = staff.patch(f"/api/v1/places/{space_id}", json={"opening_hours": hours})

    assert response.status_code == 200
    assert response.json["opening_hours"] == hours
    assert stored(space_id).opening_hours == hours

    response = staff.patch(f"/api/v1/places/{space_id}", json={"opening_hours": None})

    assert response.status_code == 200
    assert stored(space_id).opening_hours is None


@pytest.mark.parametrize(
    "hours",
    [
        {"mon": [["18:00", "08:00"]]},
        {"funday": [["08:00", "12:00"]]},
        {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]},
        {"mon": [["14:00", "17:00"], ["08:00", "12:00"]]},
        {"mon": [["08:00", "08:00"]]},
        {"mon": [["8:00", "12:00"]]},
        {"mon": [["08:00", "24:30"]]},
        {"mon": [["08:00"]]},
        {"mon": "08:00-12:00"},
        {"mon": [[800, 1200]]},
        ["mon"],
    ],
    ids=[
        "end-before-start",
        "unknown-day",
        "overlapping",
        "out-of-order",
        "empty-interval",
        "one-digit-hour",
        "past-midnight",
        "half-interval",
        "not-a-list",
        "numbers",
        "not-a-mapping",
    ],
)
def test_malformed_opening_hours_are_invalid(staff, branch, hours):
    space_id = branch["space"].id

    response = staff.patch(f"/api/v1/places/{space_id}", json={"opening_hours": hours})

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["opening_hours"]
    messages = details["fields"]["opening_hours"]
    assert isinstance(messages, list)
    assert messages
    assert all(isinstance(message, str) for message in messages)
    assert stored(space_id).opening_hours is None


def test_moving_a_grid_to_another_community_rewrites_its_whole_subtree(staff, branch):
    root, grid, space, zone = (branch[k] for k in ("subdistrict", "grid", "space", "zone"))
    cailing = CommunityFactory(parent=root, name="采菱社区")
    second_zone = ZoneFactory(parent=space, name="儿童游乐区")
    sibling_grid = GridFactory(parent=branch["community"], name="清溪村第二网格")

    response = staff.patch(f"/api/v1/places/{grid.id}", json={"parent_id": cailing.id})

    assert response.status_code == 200
    assert response.json["parent_id"] == cailing.id
    assert response.json["path"] == f"/{root.id}/{cailing.id}/{grid.id}/"
    moved_grid = stored(grid.id)
    assert (moved_grid.parent_id, moved_grid.path, moved_grid.depth) == (
        cailing.id,
        f"/{root.id}/{cailing.id}/{grid.id}/",
        2,
    )
    moved_space = stored(space.id)
    assert moved_space.path == f"/{root.id}/{cailing.id}/{grid.id}/{space.id}/"
    assert moved_space.depth == 3
    assert moved_space.parent_id == grid.id
    for moved_zone in (stored(zone.id), stored(second_zone.id)):
        assert moved_zone.path == f"/{root.id}/{cailing.id}/{grid.id}/{space.id}/{moved_zone.id}/"
        assert moved_zone.depth == 4
    untouched = stored(sibling_grid.id)
    assert untouched.path == f"/{root.id}/{branch['community'].id}/{sibling_grid.id}/"


def test_moving_a_space_up_to_its_community_lowers_the_depth_of_its_subtree(staff, branch):
    root, community, space, zone = (
        branch[k] for k in ("subdistrict", "community", "space", "zone")
    )

    response = staff.patch(f"/api/v1/places/{space.id}", json={"parent_id": community.id})

    assert response.status_code == 200
    moved_space, moved_zone = stored(space.id), stored(zone.id)
    assert (moved_space.path, moved_space.depth) == (f"/{root.id}/{community.id}/{space.id}/", 2)
    assert (moved_zone.path, moved_zone.depth) == (
        f"/{root.id}/{community.id}/{space.id}/{zone.id}/",
        3,
    )


def test_tree_read_after_a_move_shows_the_subtree_under_its_new_parent(client, staff, branch):
    cailing = CommunityFactory(parent=branch["subdistrict"], name="采菱社区")
    staff.patch(f"/api/v1/places/{branch['grid'].id}", json={"parent_id": cailing.id})

    [root_node] = client.get("/api/v1/places?tree=1").json

    by_name = {node["name"]: node for node in root_node["children"]}
    assert by_name["清溪村"]["children"] == []
    [grid_node] = by_name["采菱社区"]["children"]
    [space_node] = grid_node["children"]
    [zone_node] = space_node["children"]
    assert zone_node["id"] == branch["zone"].id


def test_moving_a_place_with_a_rename_applies_both(staff, branch):
    cailing = CommunityFactory(parent=branch["subdistrict"], name="采菱社区")

    response = staff.patch(
        f"/api/v1/places/{branch['grid'].id}",
        json={"parent_id": cailing.id, "name": "采菱社区第三网格"},
    )

    assert response.status_code == 200
    moved = stored(branch["grid"].id)
    assert (moved.name, moved.parent_id) == ("采菱社区第三网格", cailing.id)


@pytest.mark.parametrize("target", ["grid", "space", "zone"])
def test_moving_a_place_under_itself_or_its_descendant_is_invalid(staff, branch, target):
    grid = branch["grid"]
    paths_before = {kind: place.path for kind, place in branch.items()}

    response = staff.patch(f"/api/v1/places/{grid.id}", json={"parent_id": branch[target].id})

    details = assert_error(response, 422, "invalid")
    assert "parent_id" in details["fields"]
    for kind, place in branch.items():
        assert stored(place.id).path == paths_before[kind]
    assert stored(grid.id).parent_id == branch["community"].id


def test_moving_to_a_parent_of_the_wrong_kind_is_invalid(staff, branch):
    second_grid = GridFactory(parent=branch["community"], name="清溪村第二网格")

    response = staff.patch(
        f"/api/v1/places/{second_grid.id}", json={"parent_id": branch["space"].id}
    )

    details = assert_error(response, 422, "invalid")
    assert "parent_id" in details["fields"]
    assert stored(second_grid.id).parent_id == branch["community"].id


def test_moving_to_an_unknown_parent_is_invalid(staff, branch):
    response = staff.patch(
        f"/api/v1/places/{branch['grid'].id}", json={"parent_id": branch["zone"].id + 1000}
    )

    details = assert_error(response, 422, "invalid")
    assert "parent_id" in details["fields"]
    assert stored(branch["grid"].id).parent_id == branch["community"].id


def test_moving_next_to_a_place_of_the_same_name_is_a_conflict(staff, branch):
    cailing = CommunityFactory(parent=branch["subdistrict"], name="采菱社区")
    GridFactory(parent=cailing, name="清溪村第一网格")

    response = staff.patch(f"/api/v1/places/{branch['grid'].id}", json={"parent_id": cailing.id})

    assert_error(response, 409, "place_name_taken")
    moved = stored(branch["grid"].id)
    assert (moved.parent_id, moved.path) == (branch["community"].id, branch["grid"].path)


def test_a_failed_move_leaves_the_rename_in_the_same_request_undone(staff, branch):
    response = staff.patch(
        f"/api/v1/places/{branch['grid'].id}",
        json={"name": "新名字", "parent_id": branch["space"].id},
    )

    assert_error(response, 422, "invalid")
    assert stored(branch["grid"].id).name == "清溪村第一网格"
