"""Claiming offers and moving reservations through their states."""

from __future__ import annotations

from typing import Any

from marketplace.accounts.auth import acting_user, login_required
from marketplace.openapi import ApiBlueprint, documents_errors
from marketplace.reservations import services
from marketplace.reservations.schemas import (
    CancelIn,
    ClaimIn,
    DeclineIn,
    NoFieldsIn,
    PickupIn,
    ReservationListArgs,
    ReservationOut,
)
from marketplace.reservations.transitions import as_markdown
from marketplace.schemas import page_of

blp = ApiBlueprint(
    "reservations",
    __name__,
    url_prefix="/api/v1",
    description="Claims and reservations. Transitions:\n\n" + as_markdown(),
)


@blp.route("/listings/<int:listing_id>/reservations", methods=["POST"])
@login_required
@blp.arguments(ClaimIn)
@blp.response(201, ReservationOut)
@documents_errors(blp, 401, 403, 404, 409, 503)
def claim(data: dict[str, Any], listing_id: int) -> Any:
    """Claim an offer. 409 codes: sold_out, slot_full, overlap, quota_exceeded, not_claimable."""
    return services.claim(acting_user(), listing_id, services.Claim(**data))


@blp.route("/reservations", methods=["GET"])
@login_required
@blp.arguments(ReservationListArgs, location="query")
@blp.response(200, page_of(ReservationOut, "ReservationPage"))
@documents_errors(blp, 401)
def list_reservations(args: dict[str, Any]) -> Any:
    """The caller's reservations, as claimant and/or as owner, newest first."""
    items, total = services.list_reservations(
        acting_user(), args.get("role"), args.get("status"), args["page"], args["per_page"]
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/reservations/<int:reservation_id>", methods=["GET"])
@login_required
@blp.response(200, ReservationOut)
@documents_errors(blp, 401, 404)
def get_reservation(reservation_id: int) -> Any:
    """One reservation (its parties and coordinators)."""
    return services.get_reservation(acting_user(), reservation_id)


def _transition_route(path: str, service: Any, doc: str, body: Any = NoFieldsIn) -> None:
    def view(data: dict[str, Any], reservation_id: int) -> Any:
        return service(acting_user(), reservation_id, **data)

    view.__name__ = f"transition_{path.replace('-', '_')}"
    view.__doc__ = doc
    decorated = documents_errors(blp, 401, 403, 404, 409, 503)(
        blp.response(200, ReservationOut)(view)
    )
    decorated = blp.arguments(body)(decorated)
    blp.route(f"/reservations/<int:reservation_id>/{path}", methods=["POST"])(
        login_required(decorated)
    )


_transition_route("confirm", services.confirm, "The owner accepts a pending claim.")
_transition_route("decline", services.decline, "The owner turns a pending claim down.", DeclineIn)
_transition_route(
    "cancel",
    services.cancel,
    "Cancel a claim (claimant; the owner or a coordinator with a reason).",
    CancelIn,
)
_transition_route(
    "pickup", services.pickup, "Hand over, with the claimant's code (owner).", PickupIn
)
_transition_route("return", services.mark_returned, "The lent item is back (owner).")
_transition_route("complete", services.complete, "The exchange is done (either party).")
_transition_route("no-show", services.mark_no_show, "The claimant did not come (owner).")
