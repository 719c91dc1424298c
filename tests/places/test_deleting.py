"""A coordinator deletes a place nothing uses; a place in use stays, with a 409."""

from __future__ import annotations

from tests.core.error_shape import assert_error
from tests.factories import UserFactory
from tests.places.state import stored


def test_coordinator_deletes_an_unused_leaf(staff, branch):
    zone_id = branch["zone"].id

    response = staff.delete(f"/api/v1/places/{zone_id}")

    assert response.status_code == 204
    assert response.data == b""
    assert stored(zone_id) is None
    assert stored(branch["space"].id) is not None


def test_place_with_children_is_in_use(staff, branch):
    space_id = branch["space"].id

    response = staff.delete(f"/api/v1/places/{space_id}")

    assert_error(response, 409, "place_in_use")
    assert stored(space_id) is not None
    assert stored(branch["zone"].id).parent_id == space_id


def test_home_place_of_a_user_is_in_use(staff, branch):
    zone_id = branch["zone"].id
    UserFactory(home_place_id=zone_id)

    response = staff.delete(f"/api/v1/places/{zone_id}")

    assert_error(response, 409, "place_in_use")
    assert stored(zone_id) is not None


def test_deleting_an_unknown_place_is_404(staff, branch):
    response = staff.delete(f"/api/v1/places/{branch['zone'].id + 1000}")

    assert_error(response, 404, "not_found")


def test_deleted_place_is_no_longer_listed(client, staff, branch):
    staff.delete(f"/api/v1/places/{branch['zone'].id}")

    ids = {place["id"] for place in client.get("/api/v1/places").json}

    assert branch["zone"].id not in ids
    assert branch["space"].id in ids
