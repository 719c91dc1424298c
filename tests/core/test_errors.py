"""Every 4xx and 5xx answer is the one JSON error shape, with a stable code and no internals."""

from __future__ import annotations

import logging

import orjson
import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.listings.models import Listing
from tests.conftest import make_app
from tests.core.error_shape import assert_error
from tests.factories import (
    CommunityFactory,
    LoginFailureFactory,
    SubdistrictFactory,
    UserFactory,
)
from tests.listings import bodies


def test_malformed_json_body_is_400(client):
    response = client.post(
        "/api/v1/auth/login", data='{"login": "a@example.com",', content_type="application/json"
    )

    details = assert_error(response, 400, "bad_request")
    assert details["fields"] == {"_schema": ["Invalid JSON body."]}


@pytest.mark.parametrize(
    "body",
    [
        '{"login": "a\\ud800@example.com", "password": "x"}',  # a lone surrogate escape
        '{"login": "a@example.com", "password": NaN}',
        b'{"login": "a\xff@example.com", "password": "x"}',  # not UTF-8
        '{"login": ' + "[" * 100_000 + "]" * 100_000 + "}",  # nested deeper than Python recurses
    ],
    ids=["lone-surrogate", "nan", "not-utf-8", "deeply-nested"],
)
def test_json_body_that_python_json_would_take_or_choke_on_is_400(client, body):
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")

    details = assert_error(response, 400, "bad_request")
    assert details["fields"] == {"_schema": ["Invalid JSON body."]}


def test_listing_with_a_lone_surrogate_in_its_tags_is_refused_and_not_stored(client_as):
    poster = client_as(UserFactory())
    body = orjson.dumps(bodies.item_offer(CommunityFactory().id)).decode()
    body = body.replace('"tags":[', '"tags":["\\udc00x",')

    response = poster.post("/api/v1/listings", data=body, content_type="application/json")

    assert_error(response, 400, "bad_request")
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0


def test_anonymous_caller_of_a_user_endpoint_is_401(client):
    response = client.get("/api/v1/auth/me")

    assert_error(response, 401, "unauthorized")


def test_resident_on_a_staff_endpoint_is_403(client_as):
    resident_client = client_as(UserFactory())

    response = resident_client.get("/api/v1/users")

    assert_error(response, 403, "forbidden")


def test_unknown_url_is_404(client):
    response = client.get("/api/v1/no-such-thing")

    assert_error(response, 404, "not_found")


def test_unknown_row_is_404(client):
    response = client.get("/api/v1/users/987654")

    assert_error(response, 404, "not_found")


def test_wrong_method_is_405_with_the_allowed_methods(client):
    response = client.put("/api/v1/places")

    assert_error(response, 405, "method_not_allowed")
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "PUT" not in allowed


def test_conflict_is_409_with_its_own_code(staff_client):
    SubdistrictFactory(name="雕庄街道")

    response = staff_client.post("/api/v1/places", json={"kind": "subdistrict", "name": "另一个"})

    assert_error(response, 409, "root_exists")


def test_body_larger_than_the_limit_is_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = '{"login": "a@example.com", "password": "' + "x" * limit + '"}'

    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")

    assert_error(response, 413, "payload_too_large")


def test_schema_validation_is_422_with_messages_per_field(client):
    response = client.post("/api/v1/auth/login", json={"login": 12})

    details = assert_error(response, 422, "invalid")
    assert set(details["fields"]) == {"login", "password"}
    assert details["fields"]["password"] == ["Missing data for required field."]
    assert details["fields"]["login"] == ["Not a valid string."]


def test_unknown_field_is_422_naming_the_field(client):
    response = client.post(
        "/api/v1/auth/login", json={"login": "a@example.com", "password": "p", "admin": True}
    )

    details = assert_error(response, 422, "invalid")
    assert details["fields"] == {"admin": ["Unknown field."]}


def test_invalid_query_argument_is_422(client):
    response = client.get("/api/v1/places?kind=castle")

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["kind"]
    assert isinstance(details["fields"]["kind"], list)


def test_repeated_login_failures_are_throttled_with_429(app, client):
    limit = app.config["LOGIN_THROTTLE_PER_ACCOUNT"]
    LoginFailureFactory.create_batch(limit, login_key="zhang@example.com")

    response = client.post(
        "/api/v1/auth/login", json={"login": "zhang@example.com", "password": "whatever1"}
    )

    details = assert_error(response, 429, "throttled")
    assert isinstance(details["retry_after"], int)
    assert details["retry_after"] > 0
    assert response.headers["Retry-After"] == str(details["retry_after"])


@pytest.fixture
def failing_app(database_url, tmp_path, monkeypatch):
    """A separate app with one route that fails the way a bug would."""
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))  # restored after the test
    failing = make_app(database_url, tmp_path)

    @failing.route("/api/v1/explode")
    def explode():
        raise RuntimeError("secret detail")

    return failing


def test_unexpected_exception_is_500_with_an_error_id_and_no_internals(failing_app, caplog):
    with caplog.at_level(logging.ERROR, logger="marketplace"):
        response = failing_app.test_client().get("/api/v1/explode")

    details = assert_error(response, 500, "internal_error")
    error_id = details["error_id"]
    assert error_id
    assert error_id in response.json["error"]["message"]
    body = response.get_data(as_text=True)
    assert "secret detail" not in body
    assert "Traceback" not in body
    assert "RuntimeError" not in body
    [record] = [record for record in caplog.records if error_id in record.getMessage()]
    assert record.levelno == logging.ERROR
    assert isinstance(record.exc_info[1], RuntimeError)
    assert str(record.exc_info[1]) == "secret detail"


def test_each_unexpected_exception_gets_its_own_error_id(failing_app, caplog):
    client = failing_app.test_client()
    with caplog.at_level(logging.ERROR, logger="marketplace"):
        first = client.get("/api/v1/explode").json["error"]["details"]["error_id"]
        second = client.get("/api/v1/explode").json["error"]["details"]["error_id"]

    assert first != second
