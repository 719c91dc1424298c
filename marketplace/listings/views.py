"""/listings endpoints."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from marketplace.accounts.auth import login_required
from marketplace.listings import services
from marketplace.listings.schemas import (
    BrowseArgs,
    ListingIn,
    ListingOut,
    ListingPageOut,
    ListingPatch,
    RenewIn,
)
from marketplace.openapi import ApiBlueprint, documents_errors

blp = ApiBlueprint(
    "listings", __name__, url_prefix="/api/v1/listings", description="Offers and requests"
)


@blp.route("", methods=["GET"])
@blp.arguments(BrowseArgs, location="query")
@blp.response(200, ListingPageOut)
@documents_errors(blp, 401, 403)
def browse(args: dict[str, Any]) -> Any:
    """Browse and search listings.

    Without ``q``: public listings, newest first; ``owner=me`` lists the caller's own in any
    state. With ``q``: public listings matching the words (Chinese, traditional characters,
    pinyin, English, partial words), best first, each with a highlighted ``snippet``, plus
    ``facets`` (counts per category and kind); ``degraded`` is true when the answer came from
    a plain database query because the search index was unavailable.
    """
    return services.browse(current_user, services.BrowseFilters(**args))


@blp.route("", methods=["POST"])
@login_required
@blp.arguments(ListingIn)
@blp.response(201, ListingOut)
@documents_errors(blp, 401, 403)
def create(data: dict[str, Any]) -> Any:
    """Post an offer (item, skill or donation) or a request."""
    return services.create_listing(current_user, data)


@blp.route("/<int:listing_id>", methods=["GET"])
@blp.response(200, ListingOut)
@documents_errors(blp, 404)
def get(listing_id: int) -> Any:
    """One listing: public ones for anyone; the owner and coordinators see it in any state."""
    return services.get_listing(current_user, listing_id)


@blp.route("/<int:listing_id>", methods=["PATCH"])
@login_required
@blp.arguments(ListingPatch)
@blp.response(200, ListingOut)
@documents_errors(blp, 401, 403, 404, 409)
def update(data: dict[str, Any], listing_id: int) -> Any:
    """Edit a listing (owner); send the ``version`` you edited, a stale one is 409 stale_version."""
    return services.update_listing(current_user, listing_id, data)


@blp.route("/<int:listing_id>/withdraw", methods=["POST"])
@login_required
@blp.response(200, ListingOut)
@documents_errors(blp, 401, 403, 404, 409)
def withdraw(listing_id: int) -> Any:
    """Take a listing down for good (owner)."""
    return services.withdraw_listing(current_user, listing_id)


@blp.route("/<int:listing_id>/renew", methods=["POST"])
@login_required
@blp.arguments(RenewIn)
@blp.response(200, ListingOut)
@documents_errors(blp, 401, 403, 404, 409)
def renew(data: dict[str, Any], listing_id: int) -> Any:
    """Extend a listing's life (owner); an expired listing opens again."""
    return services.renew_listing(current_user, listing_id, data["days"])
