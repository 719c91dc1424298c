"""Only coordinators (and admins) change places; everyone else is refused before anything else."""

from __future__ import annotations

import pytest

from tests.core.error_shape import assert_error
from tests.factories import AdminFactory, MerchantFactory, UserFactory
from tests.places.state import place_count, stored

NON_STAFF = pytest.mark.parametrize(
    "user_factory", [UserFactory, MerchantFactory], ids=["resident", "merchant"]
)


@NON_STAFF
def test_non_staff_cannot_create_a_place(client_as, branch, user_factory):
    user_client = client_as(user_factory())
    before = place_count()

    response = user_client.post(
        "/api/v1/places",
        json={"parent_id": branch["community"].id, "kind": "grid", "name": "新网格"},
    )

    assert_error(response, 403, "forbidden")
    assert place_count() == before


@NON_STAFF
def test_non_staff_cannot_rename_a_place(client_as, branch, user_factory):
    user_client = client_as(user_factory())

    response = user_client.patch(f"/api/v1/places/{branch['grid'].id}", json={"name": "改名"})

    assert_error(response, 403, "forbidden")
    assert stored(branch["grid"].id).name == "清溪村第一网格"


@NON_STAFF
def test_non_staff_cannot_delete_a_place(client_as, branch, user_factory):
    user_client = client_as(user_factory())

    response = user_client.delete(f"/api/v1/places/{branch['zone'].id}")

    assert_error(response, 403, "forbidden")
    assert stored(branch["zone"].id) is not None


def test_anonymous_visitor_must_log_in_to_create_a_place(client, branch):
    before = place_count()

    response = client.post(
        "/api/v1/places",
        json={"parent_id": branch["community"].id, "kind": "grid", "name": "新网格"},
    )

    assert_error(response, 401, "unauthorized")
    assert place_count() == before


def test_anonymous_visitor_must_log_in_to_change_a_place(client, branch):
    response = client.patch(f"/api/v1/places/{branch['grid'].id}", json={"name": "改名"})

    assert_error(response, 401, "unauthorized")
    assert stored(branch["grid"].id).name == "清溪村第一网格"


def test_anonymous_visitor_must_log_in_to_delete_a_place(client, branch):
    response = client.delete(f"/api/v1/places/{branch['zone'].id}")

    assert_error(response, 401, "unauthorized")
    assert stored(branch["zone"].id) is not None


def test_anonymous_write_is_refused_before_its_body_is_validated(client):
    response = client.post("/api/v1/places", json={"kind": "castle"})

    assert_error(response, 401, "unauthorized")


def test_admin_may_change_places(client_as, branch):
    admin_client = client_as(AdminFactory())

    response = admin_client.patch(f"/api/v1/places/{branch['grid'].id}", json={"name": "改名"})

    assert response.status_code == 200
    assert stored(branch["grid"].id).name == "改名"
