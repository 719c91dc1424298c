"""/notifications: the caller's inbox."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from marketplace.accounts.auth import login_required
from marketplace.notifications import services
from marketplace.notifications.schemas import InboxArgs, InboxOut, MarkedOut, NotificationOut
from marketplace.openapi import ApiBlueprint, documents_errors

blp = ApiBlueprint(
    "notifications", __name__, url_prefix="/api/v1/notifications", description="Inbox"
)


@blp.route("", methods=["GET"])
@login_required
@blp.arguments(InboxArgs, location="query")
@blp.response(200, InboxOut)
@documents_errors(blp, 401)
def inbox(args: dict[str, Any]) -> Any:
    """The caller's notifications, newest first, with the unread count."""
    items, total, unread = services.inbox(
        current_user.id, args["unread"], args["page"], args["per_page"]
    )
    return {
        "items": items,
        "total": total,
        "page": args["page"],
        "per_page": args["per_page"],
        "unread_count": unread,
    }


@blp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
@blp.response(200, NotificationOut)
@documents_errors(blp, 401, 403, 404)
def mark_read(notification_id: int) -> Any:
    """Mark one of the caller's notifications read."""
    return services.mark_read(current_user.id, notification_id)


@blp.route("/read-all", methods=["POST"])
@login_required
@blp.response(200, MarkedOut)
@documents_errors(blp, 401, 403)
def mark_all_read() -> Any:
    """Mark all of the caller's notifications read."""
    return {"marked": services.mark_all_read(current_user.id)}
