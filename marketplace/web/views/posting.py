"""Posting an offer or a request, and the owner's edit, withdraw and renew."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from marketplace.errors import DomainError
from marketplace.listings import services as listings
from marketplace.listings.schemas import ListingIn, ListingPatch, RenewIn
from marketplace.places import services as places
from marketplace.web import bp, forms, listing_form
from marketplace.web.pages import done, error_page, login_required, refused


def _form_page(
    kind: listing_form.FormKind,
    values: dict[str, Any],
    problem: forms.FormProblem,
    listing: Any = None,
) -> str:
    first_day, last_day = listing_form.expiry_days()
    return render_template(
        "web/post.html",
        kind=kind,
        kinds=listing_form.kinds_for(current_user),
        values=values,
        problem=problem,
        listing=listing,
        places=[place for place in places.list_places() if place.can_host_listings],
        slot_rows=range(listing_form.row_count(values, "slot", listing_form.SLOT_ROWS)),
        window_rows=range(listing_form.row_count(values, "window", listing_form.WINDOW_ROWS)),
        slots_by_id={str(slot.id): slot for slot in listing.slots} if listing else {},
        first_expiry_day=first_day.isoformat(),
        last_expiry_day=last_day.isoformat(),
        lifetime_days=current_app.config["LISTING_LIFETIME_DAYS"],
    )


def _chosen_kind() -> listing_form.FormKind:
    kinds = {kind.slug: kind for kind in listing_form.kinds_for(current_user)}
    return kinds.get(request.values.get("type", ""), listing_form.FORM_KINDS["give"])


@bp.get("/post")
@login_required
def post_form() -> Any:
    values = {"place_id": str(current_user.home_place_id or ""), "urgency": "normal"}
    return _form_page(_chosen_kind(), values, forms.FormProblem())


@bp.post("/post")
@login_required
def post_listing() -> Any:
    kind = _chosen_kind()
    try:
        data = forms.parse(ListingIn(), listing_form.api_body(request.form, kind))
        listing = listings.create_listing(current_user, data)
    except DomainError as error:
        problem = listing_form.problem_of(kind, error)
        return _form_page(kind, request.form.to_dict(), problem), error.status
    message = (
        "发布成功！" if listing.is_public else "已提交，社区工作人员审核通过后邻居们就能看到。"
    )
    return done(message, url_for("web.listing", listing_id=listing.id))


@bp.get("/listings/<int:listing_id>/edit")
@login_required
def edit_form(listing_id: int) -> Any:
    listing = listings.get_listing(current_user, listing_id)
    if not listing.is_managed_by(current_user):
        return error_page(403, "forbidden", "只有发布者可以修改。")
    values = listing_form.values_of(listing)
    return _form_page(listing_form.form_kind_of(listing), values, forms.FormProblem(), listing)


@bp.post("/listings/<int:listing_id>/edit")
@login_required
def edit_listing(listing_id: int) -> Any:
    listing = listings.get_listing(current_user, listing_id)
    kind = listing_form.form_kind_of(listing)
    body = listing_form.api_body(request.form, kind, listing)
    body["version"] = forms.as_integer(request.form.get("version", ""))
    try:
        data = forms.parse(ListingPatch(), body)
        listings.update_listing(current_user, listing_id, data)
    except DomainError as error:
        problem = listing_form.problem_of(kind, error)
        return _form_page(kind, request.form.to_dict(), problem, listing), error.status
    return done("已保存修改。", url_for("web.listing", listing_id=listing_id))


@bp.post("/listings/<int:listing_id>/withdraw")
@login_required
def withdraw(listing_id: int) -> Any:
    target = url_for("web.listing", listing_id=listing_id)
    try:
        listings.withdraw_listing(current_user, listing_id)
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done("已撤下。", target)


@bp.post("/listings/<int:listing_id>/renew")
@login_required
def renew(listing_id: int) -> Any:
    target = url_for("web.listing", listing_id=listing_id)
    try:
        data = forms.parse(RenewIn(), forms.cleaned(request.form, ("days",), integers=("days",)))
        listing = listings.renew_listing(current_user, listing_id, data["days"])
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(f"已续期至 {forms.local_text(listing.expires_at, '%Y-%m-%d')}。", target)
