"""Who may call each report and moderation endpoint: the exact status for every caller.

The listing belongs to a merchant posting for their organisation ("owner"); its open report was
filed by a third resident. Only coordinators moderate, list reports, see the queue and the
audit log, and suspend or reinstate users. A suspended user's session no longer authenticates.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.moderation.models import ModerationAction, Report
from tests.factories import UserFactory
from tests.listing_factories import ItemOfferFactory, ReportFactory
from tests.listings.actors import ACTORS, suspend
from tests.listings.responses import assert_error
from tests.listings.state import stored

# endpoint: (method, path, body); {listing}, {report}, {owner} and {suspended} stand for ids.
ENDPOINTS: dict[str, tuple[str, str, Any]] = {
    "file_report": ("POST", "/api/v1/reports", {"listing_id": "{listing}", "reason": "spam"}),
    "list_reports": ("GET", "/api/v1/reports", None),
    "resolve_report": (
        "POST",
        "/api/v1/reports/{report}/resolve",
        {"outcome": "dismissed", "note": "正常"},
    ),
    "review_queue": ("GET", "/api/v1/moderation/queue", None),
    "moderate_listing": (
        "POST",
        "/api/v1/listings/{listing}/moderate",
        {"action": "hide", "reason": "广告"},
    ),
    "audit_log": ("GET", "/api/v1/audit", None),
    "suspend_user": ("POST", "/api/v1/users/{owner}/suspend", {"reason": "多次违规"}),
    "reinstate_user": ("POST", "/api/v1/users/{suspended}/reinstate", {"reason": "已整改"}),
}

# Columns follow ACTORS: anonymous, owner, other resident, merchant of the same organisation,
# merchant of another organisation, coordinator, suspended user.
EXPECTED: dict[str, tuple[int, ...]] = {
    "file_report": (401, 422, 201, 422, 201, 201, 401),
    "list_reports": (401, 403, 403, 403, 403, 200, 401),
    "resolve_report": (401, 403, 403, 403, 403, 200, 401),
    "review_queue": (401, 403, 403, 403, 403, 200, 401),
    "moderate_listing": (401, 403, 403, 403, 403, 200, 401),
    "audit_log": (401, 403, 403, 403, 403, 200, 401),
    "suspend_user": (401, 403, 403, 403, 403, 200, 401),
    "reinstate_user": (401, 403, 403, 403, 403, 200, 401),
}
ERROR_CODES = {401: "unauthorized", 403: "forbidden", 422: "invalid"}
# What a successful call changes (see _state); reads change nothing.
EFFECTS: dict[str, dict[str, Any]] = {
    "file_report": {"reports": ["open", "open"]},
    "list_reports": {},
    "resolve_report": {"reports": ["resolved"], "audit": 1},
    "review_queue": {},
    "moderate_listing": {"listing": "hidden", "reports": ["resolved"], "audit": 1},
    "audit_log": {},
    "suspend_user": {"owner": "suspended", "listing": "hidden", "audit": 1},
    "reinstate_user": {"suspended": "active", "audit": 1},
}

CELLS = [
    pytest.param(endpoint, actor, status, id=f"{endpoint}-{actor}")
    for endpoint, statuses in EXPECTED.items()
    for actor, status in zip(ACTORS, statuses, strict=True)
]


def _filled(template: Any, ids: dict[str, int]) -> Any:
    if isinstance(template, dict):
        return {key: _filled(value, ids) for key, value in template.items()}
    if isinstance(template, str) and template.startswith("{"):
        return ids[template.strip("{}")]
    return template


def _state(ids: dict[str, int]) -> dict[str, Any]:
    """What any of the endpoints could change."""
    db.session.expire_all()
    listing = stored(ids["listing"])
    return {
        "listing": listing.moderation,
        "reports": db.session.scalars(select(Report.status).order_by(Report.id)).all(),
        "audit": db.session.scalar(select(func.count(ModerationAction.id))),
        "owner": db.session.get(type(listing.owner), ids["owner"]).status,
        "suspended": db.session.get(type(listing.owner), ids["suspended"]).status,
    }


@pytest.mark.parametrize(("endpoint", "actor", "expected"), CELLS)
def test_moderation_endpoint_answers_each_caller(
    client_of, merchant_owner, endpoint, actor, expected
):
    listing = ItemOfferFactory(owner=merchant_owner, organisation=merchant_owner.organisation)
    report = ReportFactory(listing=listing)
    suspended_user = UserFactory()
    suspend(suspended_user)
    ids = {
        "listing": listing.id,
        "report": report.id,
        "owner": merchant_owner.id,
        "suspended": suspended_user.id,
    }
    before = _state(ids)
    client = client_of(actor)
    method, path, body = ENDPOINTS[endpoint]

    response = client.open(path.format(**ids), method=method, json=_filled(body, ids))

    if expected >= 400:
        assert_error(response, expected, ERROR_CODES[expected])
        assert _state(ids) == before
    else:
        assert response.status_code == expected, response.get_json()
        assert _state(ids) == {**before, **EFFECTS[endpoint]}
