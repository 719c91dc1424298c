"""Property-based fuzzing of every operation in the OpenAPI document (schemathesis).

Every endpoint a later change adds is covered automatically: the cases are generated from
/api/v1/openapi.json. No request may get a 5xx, and every response must match the status codes,
content type and schema the document promises. Requests are made as an active coordinator (a
bearer token), so the staff-only paths run too; anonymous callers are covered by the ordinary
permission tests.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.accounts import services as accounts
from tests.conftest import make_app
from tests.factories import CommunityFactory, CoordinatorFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _openapi_document() -> dict:
    """The OpenAPI document, read from a throwaway app so cases can be generated at import time."""
    with tempfile.TemporaryDirectory() as instance:
        app = make_app("sqlite://", Path(instance))
        with app.test_client() as client:
            return client.get("/api/v1/openapi.json").json


@pytest.fixture
def coordinator_token(app):
    CommunityFactory()
    coordinator = CoordinatorFactory()
    with app.app_context():
        _token, secret = accounts.create_token(coordinator, "fuzz")
    return secret


schema = schemathesis.openapi.from_dict(_openapi_document())


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        # One coordinator and token serve all cases of an operation, on purpose.
        HealthCheck.function_scoped_fixture,
    ],
)
def test_no_operation_fails_or_breaks_its_contract(case, app, coordinator_token):
    case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {coordinator_token}"}, checks=CHECKS
    )
