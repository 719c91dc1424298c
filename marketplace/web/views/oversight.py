"""A coordinator's audit log (filtered by target and actor) and the queue of disputed points."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user

from marketplace.errors import DomainError
from marketplace.moderation import services as moderation
from marketplace.moderation.schemas import AuditArgs
from marketplace.points import services as points
from marketplace.points.schemas import ResolveDisputeIn
from marketplace.web import bp, forms
from marketplace.web.pages import done, staff_required

PER_PAGE = 20
AUDIT_FILTERS = ("target_type", "target_id", "actor_id", "page")


# --- the audit log -------------------------------------------------------------------------------


@bp.get("/staff/audit")
@staff_required
def audit() -> Any:
    raw = {name: request.args.get(name, "").strip() for name in AUDIT_FILTERS}
    given = {name: value for name, value in raw.items() if value}
    problem = forms.FormProblem()
    items: list[Any] = []
    total, page = 0, 1
    try:
        args = forms.parse(AuditArgs(), {**given, "per_page": PER_PAGE})
        page = args["page"]
        items, total = moderation.audit_log(
            current_user,
            args.get("target_type"),
            args.get("target_id"),
            args.get("actor_id"),
            args["page"],
            PER_PAGE,
        )
    except DomainError as error:
        problem = forms.FormProblem.of(error)
    return render_template(
        "web/audit.html",
        items=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        values=raw,
        problem=problem,
        page_url=lambda number: url_for("web.audit", **{**given, "page": number}),
    ), (422 if problem else 200)


# --- disputed skill awards -----------------------------------------------------------------------


def _disputes_page(problem: forms.FormProblem | None = None, award_id: int | None = None) -> str:
    items, total = points.list_awards(current_user, "disputed", 1, PER_PAGE)
    return render_template(
        "web/disputes.html",
        items=items,
        total=total,
        problem=problem or forms.FormProblem(),
        problem_award_id=award_id,
        values=request.form if award_id else {},
    )


@bp.get("/staff/disputes")
@staff_required
def disputes() -> Any:
    return _disputes_page()


@bp.post("/staff/disputes/<int:award_id>/resolve")
@staff_required
def resolve_dispute(award_id: int) -> Any:
    body = forms.cleaned(request.form, ("award", "reason"))
    try:
        data = forms.parse(ResolveDisputeIn(), body)
        award = points.resolve_dispute(current_user, award_id, data["award"], data["reason"])
    except DomainError as error:
        return _disputes_page(forms.FormProblem.of(error), award_id), error.status
    message = f"已发放 {award.points} 分。" if award.status == "awarded" else "已决定不发放积分。"
    return done(message, url_for("web.disputes"))
