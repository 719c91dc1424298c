"""Suggested counterparts of a listing, and dismissing them."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from marketplace.accounts.auth import login_required
from marketplace.matching import services
from marketplace.matching.schemas import MatchArgs, MatchListOut
from marketplace.openapi import ApiBlueprint, documents_errors

blp = ApiBlueprint("matching", __name__, url_prefix="/api/v1/listings", description="Matches")


@blp.route("/<int:listing_id>/matches", methods=["GET"])
@login_required
@blp.arguments(MatchArgs, location="query")
@blp.response(200, MatchListOut)
@documents_errors(blp, 401, 403, 404)
def matches(args: dict[str, Any], listing_id: int) -> Any:
    """Counterparts of a listing, best first, with a score and readable reasons: the offers that
    could meet a request, or the open requests an offer could serve (owner and coordinators)."""
    return {"items": services.matches_for(current_user, listing_id, args["limit"])}


@blp.route("/<int:listing_id>/matches/<int:other_id>/dismiss", methods=["POST"])
@login_required
@blp.response(204)
@documents_errors(blp, 401, 403, 404)
def dismiss(listing_id: int, other_id: int) -> None:
    """Never suggest this counterpart for the listing again (owner)."""
    services.dismiss(current_user, listing_id, other_id)
