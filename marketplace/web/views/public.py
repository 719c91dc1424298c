"""Home, search and a listing's page, with claiming and reporting."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from marketplace import clock
from marketplace.errors import DomainError
from marketplace.listings import services as listings
from marketplace.listings.models import Listing
from marketplace.listings.schemas import BrowseArgs
from marketplace.matching import services as matching
from marketplace.matching.features import Reason
from marketplace.moderation import services as moderation
from marketplace.moderation.schemas import ReportIn
from marketplace.places import services as places
from marketplace.places.models import Place
from marketplace.reservations import services as reservations
from marketplace.reservations.schemas import ClaimIn
from marketplace.web import bp, forms, labels
from marketplace.web.pages import done, login_required

NEARBY_COUNT = 8
NEWEST_REQUESTS = 5
MATCHES_SHOWN = 5


# --- home ----------------------------------------------------------------------------------------


def _home_place() -> Place | None:
    """The logged-in user's home place, or the Qingxi square for visitors."""
    if current_user.is_authenticated and current_user.home_place_id:
        return places.get_place(current_user.home_place_id)
    name = current_app.config["WEB_VISITOR_PLACE"]
    return next((place for place in places.list_places() if place.name == name), None)


@bp.get("/")
def home() -> Any:
    place = _home_place()
    nearby = listings.browse(
        current_user,
        listings.BrowseFilters(
            side="offer", place_id=place.id if place else None, per_page=NEARBY_COUNT
        ),
    )
    newest_requests = listings.browse(
        current_user,
        listings.BrowseFilters(side="request", sort="newest", per_page=NEWEST_REQUESTS),
    )
    return render_template(
        "web/home.html", place=place, nearby=nearby, newest_requests=newest_requests
    )


# --- search --------------------------------------------------------------------------------------

BROWSE_FIELDS = ("q", "side", "kind", "category", "place_id", "sort", "page")


@bp.get("/search")
def search() -> Any:
    raw = {name: request.args.get(name, "").strip() for name in BROWSE_FIELDS}
    args = {name: value for name, value in raw.items() if value}
    problem = forms.FormProblem()
    result = None
    try:
        filters = forms.parse(
            BrowseArgs(), {**args, "per_page": current_app.config["WEB_PER_PAGE"]}
        )
        result = listings.browse(current_user, listings.BrowseFilters(**filters))
    except DomainError as error:
        problem = forms.FormProblem.of(error)
    return render_template(
        "web/search.html",
        values=raw,
        result=result,
        problem=problem,
        places=_listing_places(),
        page_url=lambda page: url_for("web.search", **{**args, "page": page}),
    ), (422 if problem else 200)


def _listing_places() -> list[Place]:
    return [place for place in places.list_places() if place.can_host_listings]


# --- a listing -----------------------------------------------------------------------------------


def _listing_page(listing_id: int, problem: forms.FormProblem | None = None, **extra: Any) -> Any:
    listing = listings.get_listing(current_user, listing_id)
    manages = listing.is_managed_by(current_user)
    now = clock.now()
    return render_template(
        "web/listing.html",
        listing=listing,
        availability=listings.availability(listing),
        manages=manages,
        time_ahead=listing.has_time_ahead(now),
        slots_ahead=listing.slots_ahead(now),
        windows_ahead=listing.windows_ahead(now),
        matches=_matches(listing) if manages or current_user.is_staff else [],
        moderation_actions=_moderation_actions(listing),
        problem=problem or forms.FormProblem(),
        claim_values=extra.get("claim_values") or _claim_defaults(),
        report_open=extra.get("report_open", False),
    )


def _claim_defaults() -> dict[str, str]:
    """Opened from the matches of one of my requests: the claim says it fulfils that request."""
    request_id = request.args.get("request_id", "")
    return {"request_id": request_id} if request_id.isascii() and request_id.isdigit() else {}


def _moderation_actions(listing: Listing) -> list[str]:
    """For a coordinator: the moderation actions the listing's state allows now (the service
    checks again when one is taken)."""
    if not current_user.is_authenticated or not current_user.is_staff:
        return []
    return [
        action
        for action, (sources, _state, _notice) in moderation.LISTING_ACTIONS.items()
        if listing.moderation in sources
    ]


def _matches(listing: Listing) -> list[dict[str, Any]]:
    """The panel for the listing's managers and coordinators (the caller checks who may see it):
    the same counterparts and reasons as ``matching.matches_for``, found from the listing this
    page has already loaded rather than loading it a second time."""
    if not listing.is_public:
        return []
    try:
        found = matching.find_matches(listing, MATCHES_SHOWN, viewer=current_user)
    except DomainError:
        return []
    return [
        {
            "listing": match.listing,
            "score": match.score,
            "reasons": [
                labels.match_reason(_as_dict(reason))
                for reason in matching.reasons_for(listing, match.reasons)
            ],
        }
        for match in found
    ]


def _as_dict(reason: Reason) -> dict[str, Any]:
    return reason.as_dict()


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int) -> Any:
    return _listing_page(listing_id)


CLAIM_FIELDS = (
    "quantity", "slot_id", "pickup_window_id", "starts_on", "ends_on", "note", "request_id",
)  # fmt: skip


@bp.post("/listings/<int:listing_id>/claim")
@login_required
def claim(listing_id: int) -> Any:
    body = forms.cleaned(
        request.form,
        CLAIM_FIELDS,
        integers=("quantity", "slot_id", "pickup_window_id", "request_id"),
    )
    body["waitlist"] = request.form.get("waitlist") == "on"
    try:
        data = forms.parse(ClaimIn(), body)
        reservation = reservations.claim(current_user, listing_id, reservations.Claim(**data))
    except DomainError as error:
        page = _listing_page(
            listing_id, forms.FormProblem.of(error), claim_values=request.form.to_dict()
        )
        return page, error.status
    message = (
        "已加入候补名单，有空位时会通知您。"
        if reservation.status == "waitlisted"
        else "申请已提交！领取码在“我的预约”里。"
    )
    return done(message, url_for("web.reservations_page", role="claimant"))


def _report_target(listing_id: int) -> dict[str, int]:
    """The listing itself, or (``about=owner``) the person who posted it."""
    if request.form.get("about") == "owner":
        return {"user_id": listings.get_listing(current_user, listing_id).owner_id}
    return {"listing_id": listing_id}


@bp.post("/listings/<int:listing_id>/report")
@login_required
def report(listing_id: int) -> Any:
    body = forms.cleaned(request.form, ("reason", "details"))
    try:
        body.update(_report_target(listing_id))
        data = forms.parse(ReportIn(), body)
        moderation.file_report(current_user, data)
    except DomainError as error:
        page = _listing_page(listing_id, forms.FormProblem.of(error), report_open=True)
        return page, error.status
    return done("感谢举报，社区工作人员会尽快处理。", url_for("web.listing", listing_id=listing_id))
