"""The one form for posting (and editing) an offer or a request: which fields each kind shows,
and how its fields become the body ``ListingIn``/``ListingPatch`` load."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from flask import current_app
from werkzeug.datastructures import MultiDict

from marketplace import clock
from marketplace.errors import DomainError
from marketplace.listings.models import Listing
from marketplace.web import forms, labels

# Blank rows for new slots or pick-up windows, on a new form and below the existing ones.
SLOT_ROWS = 3
WINDOW_ROWS = 2
# The most rows a form may say it has (the API takes at most 50 slots and 20 windows).
MAX_ROWS = 60
TIME_COLUMNS = ("date", "start", "end")


@dataclass(frozen=True)
class FormKind:
    slug: str
    label: str
    hint: str
    side: str
    kind: str
    mode: str | None
    fields: tuple[str, ...]
    merchants_only: bool = False


COMMON_FIELDS = ("title", "description", "category", "tags", "place_id")

FORM_KINDS: dict[str, FormKind] = {
    kind.slug: kind
    for kind in (
        FormKind(
            "give", "送出闲置", "把用不上的东西送给邻居", "offer", "item", "give",
            ("quantity", "per_person_limit"),
        ),
        FormKind(
            "lend", "借出物品", "工具、推车等借给邻居，按日期借还", "offer", "item", "lend",
            ("max_lend_days",),
        ),
        FormKind(
            "skill", "提供技能", "理发、维修、辅导等，按时段预约", "offer", "skill", None,
            ("slots",),
        ),
        FormKind(
            "donation", "捐赠物资", "商户和组织的捐赠，按领取时间发放", "offer", "donation", None,
            ("quantity", "per_person_limit", "pickup_windows", "auto_confirm"),
            merchants_only=True,
        ),
        FormKind(
            "need_item", "求物品", "找邻居借或要一件东西", "request", "item", None,
            ("needed_by", "urgency", "quantity_wanted"),
        ),
        FormKind(
            "need_skill", "求帮忙", "需要一门手艺或一次帮助", "request", "skill", None,
            ("needed_by", "urgency"),
        ),
    )
}  # fmt: skip


def kinds_for(user: Any) -> list[FormKind]:
    is_merchant = user.role == "merchant" and user.organisation_id is not None
    return [kind for kind in FORM_KINDS.values() if is_merchant or not kind.merchants_only]


def form_kind_of(listing: Listing) -> FormKind:
    for kind in FORM_KINDS.values():
        if (kind.side, kind.kind) == (listing.side, listing.kind) and kind.mode in (
            None,
            listing.mode,
        ):
            return kind
    return FORM_KINDS["give"]


INTEGER_FIELDS = ("place_id", "quantity", "per_person_limit", "max_lend_days", "quantity_wanted")


def api_body(
    form: MultiDict[str, str], kind: FormKind, listing: Listing | None = None
) -> dict[str, Any]:
    """The JSON body the API would get for this form: common fields plus the kind's own.

    Without ``listing`` the body creates a listing; with it, it edits that listing and carries
    the whole list of its slots or pick-up windows: rows with an id keep (and change) that one,
    rows without are new, and rows ticked for removal (or left out) are removed, as the API's
    edit does. The service refuses what the rules forbid (a booked slot, a window a claim uses).
    """
    creating = listing is None
    listing_slots = {slot.id: slot for slot in listing.slots} if listing else {}
    listing_windows = {window.id: window for window in listing.pickup_windows} if listing else {}
    body: dict[str, Any] = forms.cleaned(
        form,
        (*COMMON_FIELDS, "quantity", "per_person_limit", "max_lend_days", "quantity_wanted",
         "urgency"),
        integers=INTEGER_FIELDS,
    )  # fmt: skip
    body = {
        name: value for name, value in body.items() if name in COMMON_FIELDS or name in kind.fields
    }
    body["tags"] = forms.tags_from_text(form.get("tags", ""))
    if creating:
        body["description"] = body.get("description", "")
        body.update(side=kind.side, kind=kind.kind)
        if kind.mode:
            body["mode"] = kind.mode
    body.update(_photos_and_expiry(form, listing))
    if "needed_by" in kind.fields and form.get("needed_by", "").strip():
        body["needed_by"] = forms.end_of_local_day(form["needed_by"].strip())
    if "auto_confirm" in kind.fields:
        body["auto_confirm"] = form.get("auto_confirm") == "on"
    if "slots" in kind.fields:
        body["slots"] = [
            {**times, "capacity": forms.as_integer(row["capacity"] or "1")}
            for row, times in _time_rows(form, "slot", SLOT_ROWS, ("capacity",), listing_slots)
        ]
    if "pickup_windows" in kind.fields:
        body["pickup_windows"] = [
            {**times, "place_id": forms.as_integer(row["place_id"])}
            for row, times in _time_rows(
                form, "window", WINDOW_ROWS, ("place_id",), listing_windows
            )
        ]
    return body


def _photos_and_expiry(form: MultiDict[str, str], listing: Listing | None) -> dict[str, Any]:
    """Photo URLs, one per line, and the expiry date as the end of that local day.

    A new listing without photos or a date leaves them to the service (none, and its default
    lifetime). An edit carries the photos the form sent (none clears them), but the expiry only
    when the owner changed the date: an unchanged (or cleared) date keeps the exact expiry,
    which may lie beyond what a new date may be after a renewal, or in the past for an expired
    listing.
    """
    changes: dict[str, Any] = {}
    photos = forms.lines_from_text(form.get("photo_urls", ""))
    if photos or (listing is not None and "photo_urls" in form):
        changes["photo_urls"] = photos
    day = form.get("expires_at", "").strip()
    if day and (listing is None or day != forms.local_text(listing.expires_at, "%Y-%m-%d")):
        changes["expires_at"] = forms.end_of_local_day(day)
    return changes


def expiry_days() -> tuple[date, date]:
    """The first and last day the expiry date can be: its end (see ``forms.end_of_local_day``)
    must lie ahead, and within the longest lifetime the service allows, from now."""
    now = clock.now().astimezone(forms.local_zone())
    latest = now + timedelta(days=current_app.config["LISTING_MAX_LIFETIME_DAYS"])
    end_of_day = time(23, 59)
    first = now.date() if now.time() < end_of_day else now.date() + timedelta(days=1)
    last = latest.date() if latest.time() >= end_of_day else latest.date() - timedelta(days=1)
    return first, last


def values_of(listing: Listing) -> dict[str, Any]:
    """The form's fields filled from a listing, for editing it."""
    return {
        "title": listing.title,
        "description": listing.description,
        "category": listing.category,
        "tags": " ".join(listing.tags),
        "place_id": str(listing.place_id),
        "quantity": "" if listing.quantity is None else str(listing.quantity),
        "per_person_limit": ""
        if listing.per_person_limit is None
        else str(listing.per_person_limit),
        "max_lend_days": "" if listing.max_lend_days is None else str(listing.max_lend_days),
        "quantity_wanted": "" if listing.quantity_wanted is None else str(listing.quantity_wanted),
        "urgency": listing.urgency or "normal",
        "needed_by": forms.local_text(listing.needed_by, "%Y-%m-%d"),
        "auto_confirm": "on" if listing.auto_confirm else "",
        "photo_urls": "\n".join(listing.photo_urls or ()),
        "expires_at": forms.local_text(listing.expires_at, "%Y-%m-%d"),
        **child_rows_of(listing),
    }


def row_count(values: Mapping[str, Any], prefix: str, blank_rows: int) -> int:
    """How many rows of slots (or windows) the form has: as many as it says it was sent with
    (the existing ones plus blank ones), else the blank rows of a new form."""
    count = forms.as_integer(str(values.get(f"{prefix}-count", "")))
    return count if isinstance(count, int) and 0 < count <= MAX_ROWS else blank_rows


def _time_rows(
    form: MultiDict[str, str],
    prefix: str,
    blank_rows: int,
    columns: tuple[str, ...],
    existing: Mapping[int, Any],
) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """The rows to keep, each with its id (when it has one) and start and end times.

    A row counts when a time or its id is filled in (a blank row's default capacity alone does
    not). An existing row whose day and times still read as they were shown keeps its exact
    times, so saving other fields never moves a slot by the seconds the form does not show.
    """
    found = []
    names = ("id", *TIME_COLUMNS, *columns, "remove")
    for row in forms.rows(form, prefix, row_count(form, prefix, blank_rows), names):
        if row["remove"] or not (row["id"] or any(row[name] for name in TIME_COLUMNS)):
            continue
        entry: dict[str, Any] = {}
        if row["id"]:
            entry["id"] = forms.as_integer(row["id"])
        child = existing.get(entry.get("id"))  # type: ignore[arg-type]
        if child is not None and _time_texts(child) == tuple(row[name] for name in TIME_COLUMNS):
            entry.update(starts_at=child.starts_at.isoformat(), ends_at=child.ends_at.isoformat())
        else:
            entry.update(
                starts_at=forms.local_moment(row["date"], row["start"]),
                ends_at=forms.local_moment(row["date"], row["end"]),
            )
        found.append((row, entry))
    return found


def _time_texts(child: Any) -> tuple[str, str, str]:
    """A slot's or window's day, start and end as the form shows them."""
    return (
        forms.local_text(child.starts_at, "%Y-%m-%d"),
        forms.local_text(child.starts_at, "%H:%M"),
        forms.local_text(child.ends_at, "%H:%M"),
    )


def _row_values(prefix: str, number: int, child: Any, **columns: Any) -> dict[str, str]:
    day, start, end = _time_texts(child)
    values = {"id": str(child.id), "date": day, "start": start, "end": end, **columns}
    return {f"{prefix}-{number}-{name}": str(value) for name, value in values.items()}


def child_rows_of(listing: Listing) -> dict[str, str]:
    """The rows of a listing's slots and pick-up windows, then blank rows for new ones."""
    values: dict[str, str] = {
        "slot-count": str(len(listing.slots) + SLOT_ROWS),
        "window-count": str(len(listing.pickup_windows) + WINDOW_ROWS),
    }
    for number, slot in enumerate(listing.slots):
        values.update(_row_values("slot", number, slot, capacity=slot.capacity))
    for number, window in enumerate(listing.pickup_windows):
        values.update(_row_values("window", number, window, place_id=window.place_id))
    return values


def problem_of(kind: FormKind, error: DomainError) -> forms.FormProblem:
    """What the form shows for a refusal. Messages about the photo URLs say which URL is wrong;
    a removed slot or window that a claim still uses (``in_use``, only when editing) is shown
    next to the slots or windows, where the owner removed it."""
    problem = forms.FormProblem.of(error)
    photo_messages = (error.details.get("fields") or {}).get("photo_urls")
    if photo_messages:
        problem.fields["photo_urls"] = [labels.photo_url_message(str(m)) for m in photo_messages]
    if error.code == "in_use":
        field = "slots" if "slots" in kind.fields else "pickup_windows"
        problem.fields.setdefault(field, []).append(problem.message)
    return problem
