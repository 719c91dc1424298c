"""A coordinator's pages: the moderation queue, reports, users and the figures with charts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user

from marketplace.accounts import services as accounts
from marketplace.accounts.schemas import ReasonIn, RoleIn
from marketplace.errors import DomainError
from marketplace.listings.models import CATEGORIES
from marketplace.moderation import services as moderation
from marketplace.moderation.schemas import ModerateIn, ResolveIn
from marketplace.places import services as places
from marketplace.points import services as points
from marketplace.points.schemas import GrantIn, RevokeIn
from marketplace.reservations import services as reservations
from marketplace.stats import services as stats
from marketplace.stats.schemas import StatsArgs
from marketplace.web import bp, charts, forms, labels
from marketplace.web.pages import done, refused, safe_next, staff_required

PER_PAGE = 20
QUEUE_LIMIT = 50
FIGURES_WEEKS = 12
# The weekly chart shows at most this many weeks: the last ones of a longer period.
CHART_WEEKS = 26
# An approval needs no explanation; the API still records one.
APPROVAL_REASON = "审核通过"


def _page_number() -> int:
    number = forms.as_integer(request.args.get("page", "1"))
    return number if isinstance(number, int) and 1 <= number <= 10_000 else 1


@bp.get("/staff/queue")
@staff_required
def queue() -> Any:
    return render_template(
        "web/queue.html", queue=moderation.review_queue(current_user, QUEUE_LIMIT)
    )


@bp.post("/staff/listings/<int:listing_id>/moderate")
@staff_required
def moderate(listing_id: int) -> Any:
    target = forms_target(url_for("web.queue"))
    body = forms.cleaned(request.form, ("action", "reason"))
    if body.get("action") == "approve":
        body.setdefault("reason", APPROVAL_REASON)
    try:
        data = forms.parse(ModerateIn(), body)
        listing = moderation.moderate_listing(
            current_user, listing_id, data["action"], data["reason"]
        )
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    state = labels.MODERATION_STATES.get(listing.moderation, listing.moderation)
    return done(f"「{listing.title}」{state}。", target)


def forms_target(default: str) -> str:
    return safe_next(request.form.get("next"), default)


@bp.get("/staff/reports")
@staff_required
def reports() -> Any:
    status = (
        request.args.get("status") if request.args.get("status") in ("open", "resolved") else None
    )
    page = _page_number()
    items, total = moderation.list_reports(current_user, status or "open", page, PER_PAGE)
    return render_template(
        "web/reports.html", items=items, total=total, page=page, per_page=PER_PAGE,
        status=status or "open",
    )  # fmt: skip


@bp.post("/staff/reports/<int:report_id>/resolve")
@staff_required
def resolve_report(report_id: int) -> Any:
    target = url_for("web.reports")
    try:
        data = forms.parse(ResolveIn(), forms.cleaned(request.form, ("outcome", "note")))
        moderation.resolve_report(current_user, report_id, data["outcome"], data["note"])
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done("举报已处理。", target)


@bp.get("/staff/users")
@staff_required
def users() -> Any:
    return _users_page()


def _users_page(
    refused_form: str = "", person_id: int | None = None, refusal: DomainError | None = None
) -> Any:
    """The list of users. After a refused form (``grant`` or ``role``), a refusal of the input
    is shown in that person's form with what was typed; one of the caller (403, 404) or about
    someone not on this page is shown on top."""
    status = request.args.get("status") or None
    role = request.args.get("role") or None
    page = _page_number()
    problem = forms.FormProblem()
    items: list[Any] = []
    total = 0
    try:
        items, total = accounts.list_users(
            current_user,
            status if status in labels.USER_STATUSES else None,
            role if role in labels.ROLES else None,
            page,
            PER_PAGE,
        )
    except DomainError as error:
        problem = forms.FormProblem.of(error)
    form_problem = forms.FormProblem.of(refusal) if refusal else forms.FormProblem()
    beside_form = (
        refusal is not None
        and refusal.status not in (403, 404)
        and any(person.id == person_id for person in items)
    )
    if not problem and not beside_form:
        problem = form_problem
    return render_template(
        "web/users.html", items=items, total=total, page=page, per_page=PER_PAGE,
        status=status, role=role, problem=problem,
        refused=(refused_form, person_id) if beside_form else ("", None),
        form_problem=form_problem, form_values=request.form if beside_form else {},
        organisations=accounts.list_organisations(current_user),
    )  # fmt: skip


@bp.post("/staff/users/<int:user_id>/grant")
@staff_required
def grant_points(user_id: int) -> Any:
    """Volunteer points for taking part in a community event (audit-logged by the service)."""
    body = forms.cleaned(request.form, ("points", "reason"), integers=("points",))
    try:
        data = forms.parse(GrantIn(), {**body, "user_id": user_id})
        points.grant(current_user, data["user_id"], data["points"], data["reason"])
    except DomainError as error:
        return _users_page("grant", user_id, error), error.status
    return done(f"已发放 {data['points']} 分。", url_for("web.users"))


@bp.post("/staff/users/<int:user_id>/role")
@staff_required
def change_role(user_id: int) -> Any:
    """Give a user another role; a merchant joins the organisation chosen beside it."""
    body = forms.cleaned(request.form, ("role", "organisation_id"), integers=("organisation_id",))
    try:
        data = forms.parse(RoleIn(), body)
        person = accounts.change_role(current_user, user_id, data["role"], data["organisation_id"])
    except DomainError as error:
        return _users_page("role", user_id, error), error.status
    return done(
        f"{person.display_name}：角色改为{labels.ROLES[person.role]}。", url_for("web.users")
    )


@bp.post("/staff/grants/<int:entry_id>/revoke")
@staff_required
def revoke_grant(entry_id: int) -> Any:
    """Undo a grant by a compensating entry, from its line in the audit log."""
    target = safe_next(request.form.get("next"), url_for("web.audit"))
    try:
        data = forms.parse(RevokeIn(), forms.cleaned(request.form, ("reason",)))
        entry = points.revoke_grant(current_user, entry_id, data["reason"])
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(f"已撤销 {-entry.delta} 分。", target)


@bp.post("/staff/users/<int:user_id>/<action>")
@staff_required
def user_action(user_id: int, action: str) -> Any:
    target = url_for("web.users")
    service = {"suspend": accounts.suspend_user, "reinstate": accounts.reinstate_user}.get(action)
    if service is None:
        return refused(forms.FormProblem("不支持这个操作。"), target)
    try:
        data = forms.parse(ReasonIn(), forms.cleaned(request.form, ("reason",)))
        user = service(current_user, user_id, data["reason"])
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(f"{user.display_name}：{labels.USER_STATUSES[user.status]}。", target)


@bp.post("/staff/organisations/<int:organisation_id>/verification")
@staff_required
def verify_organisation(organisation_id: int) -> Any:
    """Mark a merchant's organisation verified (a badge on its listings) or take it back."""
    target = url_for("web.users", role="merchant")
    verified = request.form.get("verified") == "true"
    try:
        organisation = accounts.set_organisation_verified(current_user, organisation_id, verified)
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(f"{organisation.name}：{'已认证' if verified else '已取消认证'}。", target)


@bp.get("/staff/figures")
@staff_required
def figures() -> Any:
    """The figures over the period and place the form asks for (by default the last 12 weeks
    everywhere), with a link to the same figures as CSV from the API."""
    today = reservations.local_today()
    values = {name: request.args.get(name, "").strip() for name in ("place_id", "from", "to")}
    values["from"] = values["from"] or (today - timedelta(days=7 * FIGURES_WEEKS - 1)).isoformat()
    values["to"] = values["to"] or today.isoformat()
    problem = forms.FormProblem()
    result = weeks = chart_period = None
    try:
        args = forms.parse(StatsArgs(), _filled(values))
        period = stats.local_period(args.get("from_"), args.get("to"))
        chart_period = _chart_period(period)
        result = stats.figures(current_user, args.get("place_id"), period)
        weeks = stats.weekly_activity(current_user, args.get("place_id"), chart_period)
    except DomainError as error:
        problem = forms.FormProblem.of(error)
    return render_template(
        "web/figures.html",
        result=result,
        problem=problem,
        values=values,
        csv_url=url_for("stats.stats", format="csv", **_filled(values)),
        weeks_from=chart_period.first_day if chart_period else None,
        presets=_figure_presets(today),
        places=places.list_places(),
        charts=_figure_charts(result, weeks) if result is not None and weeks is not None else {},
    ), (422 if problem else 200)


def _filled(values: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in values.items() if value}


def _chart_period(period: stats.Period) -> stats.Period:
    """The weeks the weekly chart has room for: the last ``CHART_WEEKS`` weeks (Monday first)
    of the period."""
    last_monday = period.last_day - timedelta(days=period.last_day.weekday())
    first_day = max(period.first_day, last_monday - timedelta(days=7 * (CHART_WEEKS - 1)))
    return stats.local_period(first_day, period.last_day)


def _figure_presets(today: date) -> list[tuple[str, dict[str, str]]]:
    """Quick choices of period: the last 12 weeks, the last 30 days, this year, last year."""
    last_year = today.year - 1
    return [
        (
            f"近 {FIGURES_WEEKS} 周",
            {"from": (today - timedelta(days=7 * FIGURES_WEEKS - 1)).isoformat(),
             "to": today.isoformat()},
        ),
        ("近 30 天", {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}),
        ("今年", {"from": date(today.year, 1, 1).isoformat(), "to": today.isoformat()}),
        (
            "去年",
            {"from": date(last_year, 1, 1).isoformat(), "to": date(last_year, 12, 31).isoformat()},
        ),
    ]  # fmt: skip


def _figure_charts(result: stats.Figures, weeks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "weekly": charts.grouped_columns(
            [f"{week['week_start'].month}/{week['week_start'].day}" for week in weeks],
            {
                "发布": [week["listings"] for week in weeks],
                "完成交换": [week["completed"] for week in weeks],
            },
            title="每周发布与完成交换",
        ),
        "categories": charts.horizontal_bars(
            [
                (
                    CATEGORIES.get(row["category"], row["category"]),
                    row["listings"],
                    row["completed"],
                )
                for row in result.top_categories
            ],
            ("发布", "完成交换"),
            title="按类别",
        ),
        "grids": charts.horizontal_bars(
            [(row["name"], row["listings"], row["completed"]) for row in result.most_active_grids],
            ("发布", "完成交换"),
            title="按网格",
        ),
    }
