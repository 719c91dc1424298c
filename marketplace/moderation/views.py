"""Reports, the coordinators' review queue, moderation actions and the audit log."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from marketplace.accounts.auth import login_required, staff_required
from marketplace.listings.schemas import ListingOut
from marketplace.moderation import services
from marketplace.moderation.schemas import (
    AuditArgs,
    AuditEntryOut,
    ModerateIn,
    QueueArgs,
    QueueOut,
    ReportIn,
    ReportListArgs,
    ReportOut,
    ResolveIn,
)
from marketplace.openapi import ApiBlueprint, documents_errors
from marketplace.schemas import page_of

blp = ApiBlueprint(
    "moderation", __name__, url_prefix="/api/v1", description="Reports and moderation"
)


@blp.route("/reports", methods=["POST"])
@login_required
@blp.arguments(ReportIn)
@blp.response(201, ReportOut)
@documents_errors(blp, 401, 403, 404, 409)
def file_report(data: dict[str, Any]) -> Any:
    """Report a listing or a user to the coordinators."""
    return services.file_report(current_user, data)


@blp.route("/reports", methods=["GET"])
@staff_required
@blp.arguments(ReportListArgs, location="query")
@blp.response(200, page_of(ReportOut, "ReportPage"))
@documents_errors(blp, 401, 403)
def list_reports(args: dict[str, Any]) -> Any:
    """Reports, newest first (staff)."""
    items, total = services.list_reports(
        current_user, args.get("status"), args["page"], args["per_page"]
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/reports/<int:report_id>/resolve", methods=["POST"])
@staff_required
@blp.arguments(ResolveIn)
@blp.response(200, ReportOut)
@documents_errors(blp, 401, 403, 404, 409)
def resolve_report(data: dict[str, Any], report_id: int) -> Any:
    """Close a report as dismissed or actioned, with a note (staff)."""
    return services.resolve_report(current_user, report_id, data["outcome"], data["note"])


@blp.route("/moderation/queue", methods=["GET"])
@staff_required
@blp.arguments(QueueArgs, location="query")
@blp.response(200, QueueOut)
@documents_errors(blp, 401, 403)
def review_queue(args: dict[str, Any]) -> Any:
    """Listings waiting for review and open reports, oldest first (staff)."""
    return services.review_queue(current_user, args["limit"])


@blp.route("/listings/<int:listing_id>/moderate", methods=["POST"])
@staff_required
@blp.arguments(ModerateIn)
@blp.response(200, ListingOut)
@documents_errors(blp, 401, 403, 404, 409)
def moderate(data: dict[str, Any], listing_id: int) -> Any:
    """Approve, reject, hide or restore a listing, with a reason (staff)."""
    return services.moderate_listing(current_user, listing_id, data["action"], data["reason"])


@blp.route("/audit", methods=["GET"])
@staff_required
@blp.arguments(AuditArgs, location="query")
@blp.response(200, page_of(AuditEntryOut, "AuditPage"))
@documents_errors(blp, 401, 403)
def audit(args: dict[str, Any]) -> Any:
    """The append-only audit log, newest first, filtered by target and actor (staff)."""
    items, total = services.audit_log(
        current_user,
        args.get("target_type"),
        args.get("target_id"),
        args.get("actor_id"),
        args["page"],
        args["per_page"],
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
