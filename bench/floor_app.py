"""The service plus two endpoints that do what a claim and a cancel cost the stack, and nothing
else: for ``bench/claims.py --floor``, never deployed.

``POST /api/v1/bench/floor/<listing_id>/claim`` (201) and ``.../cancel`` (200) sign the caller
in, parse the body with the claim's or the cancel's schema, send ``BENCH_FLOOR_STATEMENTS``
statements in one transaction (bare ``SELECT 1`` and, in their middle, one write that takes the
listing's row lock and changes nothing) and commit. By default as many statements as a claim
or a cancel sends after signing in (``bench/claims_profile.py --statements`` lists them), so the
requests make the same round trips to the database as the real ones, and the figures of a run
against them are the most this host lets gunicorn, Flask, SQLAlchemy and psycopg answer: the
ceiling that no reservation rule, however cheaply written, can take the real claims above.

    gunicorn --pythonpath bench floor_app:app        # from the repository's root
"""

from __future__ import annotations

import os
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import text

from marketplace import create_app
from marketplace.accounts.auth import acting_user, login_required
from marketplace.extensions import api, db
from marketplace.openapi import ApiBlueprint
from marketplace.reservations.schemas import CancelIn, ClaimIn

# Statements a claim and a cancel send after the one that signs the caller in.
STATEMENTS = int(os.environ.get("BENCH_FLOOR_STATEMENTS", "3"))

BARE = text("SELECT 1")
TOUCH_LISTING = text("UPDATE listings SET units_reserved = units_reserved WHERE id = :listing_id")


class FloorOut(Schema):
    listing_id = fields.Integer()
    user_id = fields.Integer()


blp = ApiBlueprint("bench_floor", __name__, url_prefix="/api/v1/bench")


def round_trips(listing_id: int) -> dict[str, int]:
    """``STATEMENTS`` statements and a commit; the write comes in the middle, as a claim's
    capacity update does, so the listing's lock is held as long."""
    user = acting_user()
    write_at = STATEMENTS // 2
    for position in range(STATEMENTS):
        if position == write_at:
            db.session.execute(TOUCH_LISTING, {"listing_id": listing_id})
        else:
            db.session.execute(BARE)
    db.session.commit()
    return {"listing_id": listing_id, "user_id": user.id}


@blp.route("/floor/<int:listing_id>/claim", methods=["POST"])
@login_required
@blp.arguments(ClaimIn)
@blp.response(201, FloorOut)
def floor_claim(_data: dict[str, Any], listing_id: int) -> Any:
    return round_trips(listing_id)


@blp.route("/floor/<int:listing_id>/cancel", methods=["POST"])
@login_required
@blp.arguments(CancelIn)
@blp.response(200, FloorOut)
def floor_cancel(_data: dict[str, Any], listing_id: int) -> Any:
    return round_trips(listing_id)


app = create_app()
api.register_blueprint(blp)
