"""The one form for posting (and editing) an offer or a request: which fields each kind shows,
and how its fields become the body ``ListingIn``/``ListingPatch`` load."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from marketplace.listings.models import Listing
from marketplace.web import forms

SLOT_ROWS = 3
WINDOW_ROWS = 2


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


def api_body(form: MultiDict[str, str], kind: FormKind, creating: bool) -> dict[str, Any]:
    """The JSON body the API would get for this form: common fields plus the kind's own."""
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
    if "needed_by" in kind.fields and form.get("needed_by", "").strip():
        body["needed_by"] = forms.end_of_local_day(form["needed_by"].strip())
    if "auto_confirm" in kind.fields:
        body["auto_confirm"] = form.get("auto_confirm") == "on"
    if "slots" in kind.fields and creating:
        body["slots"] = [
            {
                "starts_at": forms.local_moment(row["date"], row["start"]),
                "ends_at": forms.local_moment(row["date"], row["end"]),
                "capacity": forms.as_integer(row["capacity"] or "1"),
            }
            for row in forms.rows(form, "slot", SLOT_ROWS, ("date", "start", "end", "capacity"))
        ]
    if "pickup_windows" in kind.fields and creating:
        body["pickup_windows"] = [
            {
                "starts_at": forms.local_moment(row["date"], row["start"]),
                "ends_at": forms.local_moment(row["date"], row["end"]),
                "place_id": forms.as_integer(row["place_id"]),
            }
            for row in forms.rows(form, "window", WINDOW_ROWS, ("date", "start", "end", "place_id"))
        ]
    return body


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
    }
