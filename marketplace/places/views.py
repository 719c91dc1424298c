"""/places endpoints: read by anyone, written by coordinators."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from marketplace.accounts.auth import staff_required
from marketplace.openapi import ApiBlueprint, documents_errors
from marketplace.places import services
from marketplace.places.schemas import PlaceIn, PlaceListArgs, PlaceNodeOut, PlaceOut, PlacePatch

blp = ApiBlueprint("places", __name__, url_prefix="/api/v1/places", description="The place tree")


@blp.route("", methods=["GET"])
@blp.arguments(PlaceListArgs, location="query")
@blp.response(200, PlaceNodeOut(many=True))
def list_places(args: dict[str, Any]) -> Any:
    """All places as a flat list ordered by path, or with ``tree=1`` nested from the root.

    In the flat form ``children`` is empty; use ``parent_id`` to rebuild the tree.
    """
    if args["tree"]:
        return services.place_tree()
    return [
        {**PlaceOut().dump(place), "children": []}
        for place in services.list_places(args.get("kind"))
    ]


@blp.route("/<int:place_id>", methods=["GET"])
@blp.response(200, PlaceOut)
@documents_errors(blp, 404)
def get_place(place_id: int) -> Any:
    return services.get_place(place_id)


@blp.route("", methods=["POST"])
@staff_required
@blp.arguments(PlaceIn)
@blp.response(201, PlaceOut)
@documents_errors(blp, 401, 403, 409)
def create_place(data: dict[str, Any]) -> Any:
    """Add a place under a parent of a fitting kind (staff)."""
    return services.create_place(current_user, data)


@blp.route("/<int:place_id>", methods=["PATCH"])
@staff_required
@blp.arguments(PlacePatch)
@blp.response(200, PlaceOut)
@documents_errors(blp, 401, 403, 404, 409)
def update_place(data: dict[str, Any], place_id: int) -> Any:
    """Rename, describe or move a place with its subtree (staff)."""
    return services.update_place(current_user, place_id, data)


@blp.route("/<int:place_id>", methods=["DELETE"])
@staff_required
@blp.response(204)
@documents_errors(blp, 401, 403, 404, 409)
def delete_place(place_id: int) -> None:
    """Delete a place nothing refers to (staff); otherwise 409 place_in_use."""
    services.delete_place(current_user, place_id)
