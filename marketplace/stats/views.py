"""/stats for coordinators and /organisations/{id}/impact for merchants."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any

from flask import Response
from flask_login import current_user

from marketplace.accounts.auth import login_required, staff_required
from marketplace.openapi import ApiBlueprint, documents_errors
from marketplace.stats import services
from marketplace.stats.schemas import ImpactOut, PeriodArgs, StatsArgs, StatsOut

blp = ApiBlueprint("stats", __name__, url_prefix="/api/v1", description="Figures")


@blp.route("/stats", methods=["GET"])
@staff_required
@blp.arguments(StatsArgs, location="query")
@blp.response(200, StatsOut)
@blp.doc(
    responses={
        "200": {
            "description": "The figures; with format=csv the same as section,key,value rows",
            "content": {
                "application/json": {"schema": StatsOut},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
)
@documents_errors(blp, 401, 403)
def stats(args: dict[str, Any]) -> Any:
    """What the platform achieved in a place (and below it) over a period (coordinators)."""
    period = services.local_period(args.get("from_"), args.get("to"))
    result = services.figures(current_user, args.get("place_id"), period)
    if args["format"] == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(services.as_csv_rows(result))
        return Response(
            buffer.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="stats.csv"'},
        )
    return asdict(result)


@blp.route("/organisations/<int:organisation_id>/impact", methods=["GET"])
@login_required
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, ImpactOut)
@documents_errors(blp, 401, 403, 404)
def impact(args: dict[str, Any], organisation_id: int) -> Any:
    """An organisation's donations and the residents they reached, per month (its members and
    coordinators): the figures for an ESG report."""
    period = services.local_period(args.get("from_"), args.get("to"))
    return services.impact(current_user, organisation_id, period)
