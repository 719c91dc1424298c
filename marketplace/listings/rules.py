"""Which fields a listing of each side and kind has, and the checks that span several fields.

Used for creation and for edits (on the listing as it would be after the edit), so both follow
the same rules. Returns field errors in the API's ``{field: [messages]}`` form.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

# Fields that only some sides and kinds of listing have.
KIND_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("offer", "item"): frozenset(
        {"mode", "quantity", "per_person_limit", "max_lend_days", "auto_confirm"}
    ),
    ("offer", "skill"): frozenset({"slots", "auto_confirm"}),
    ("offer", "donation"): frozenset(
        {"quantity", "per_person_limit", "pickup_windows", "auto_confirm"}
    ),
    ("request", "item"): frozenset({"mode", "needed_by", "urgency", "quantity_wanted"}),
    ("request", "skill"): frozenset({"needed_by", "urgency", "quantity_wanted"}),
}
SPECIFIC_FIELDS = frozenset().union(*KIND_FIELDS.values())


class FieldErrors(dict[str, list[str]]):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def check_listing(
    values: dict[str, Any],
    given: Iterable[str],
    now: datetime,
    max_lifetime: timedelta,
    unchanged_times: frozenset[tuple[datetime, datetime]] = frozenset(),
) -> FieldErrors:
    """Errors of a listing whose merged field values are ``values``.

    ``given`` names the fields the caller sent (only those can be "not used for this kind");
    ``unchanged_times`` are the (start, end) pairs of slots and windows that already exist, so
    an edit does not fail because a slot the owner left alone has started meanwhile.
    """
    errors = FieldErrors()
    side, kind = values["side"], values["kind"]
    allowed = KIND_FIELDS.get((side, kind))
    if allowed is None:
        errors.add(
            "kind", "Requests are for items or skills; donations are offered by organisations."
        )
        return errors
    given = frozenset(given)
    for field in sorted(given & (SPECIFIC_FIELDS - allowed)):
        errors.add(field, f"Not used for a {kind} {side}.")
    if side == "offer":
        _check_offer(values, kind, errors, now, unchanged_times)
    else:
        _check_request(values, given, errors, now)
    expires_at = values.get("expires_at")
    if expires_at is not None and "expires_at" in given:
        if expires_at <= now:
            errors.add("expires_at", "Must be in the future.")
        elif expires_at > now + max_lifetime:
            errors.add(
                "expires_at", f"Can be at most {max_lifetime.days} days ahead; renew it later."
            )
    return errors


def _check_offer(
    values: dict[str, Any],
    kind: str,
    errors: FieldErrors,
    now: datetime,
    unchanged_times: frozenset[tuple[datetime, datetime]],
) -> None:
    quantity, limit = values.get("quantity"), values.get("per_person_limit")
    if kind == "item":
        mode = values.get("mode")
        if mode is None:
            errors.add("mode", "Say whether the item is given away (give) or lent (lend).")
        elif mode == "lend":
            if not values.get("max_lend_days"):
                errors.add("max_lend_days", "Say for how many days at most it can be borrowed.")
            if quantity not in (None, 1):
                errors.add("quantity", "A lent item is one thing; post several items separately.")
            if limit is not None:
                errors.add("per_person_limit", "Not used for a lent item.")
        else:
            if quantity is None:
                errors.add("quantity", "Say how many you give away (1 for a single thing).")
            if values.get("max_lend_days") is not None:
                errors.add("max_lend_days", "Only lent items have a lending period.")
    if kind == "donation" and not quantity:
        errors.add("quantity", "Say how many units are donated.")
    if quantity and limit and limit > quantity:
        errors.add("per_person_limit", "Cannot be more than the quantity.")
    if kind == "skill":
        _check_times("slots", values.get("slots") or [], errors, now, unchanged_times, require=True)
        _check_no_overlap(values.get("slots") or [], errors)
    if kind == "donation":
        _check_times(
            "pickup_windows",
            values.get("pickup_windows") or [],
            errors,
            now,
            unchanged_times,
            require=True,
        )


def _check_request(
    values: dict[str, Any], given: frozenset[str], errors: FieldErrors, now: datetime
) -> None:
    needed_by = values.get("needed_by")
    if needed_by is not None and needed_by <= now and "needed_by" in given:
        errors.add("needed_by", "Must be in the future.")


def _check_times(
    field: str,
    entries: list[dict[str, Any]],
    errors: FieldErrors,
    now: datetime,
    unchanged_times: frozenset[tuple[datetime, datetime]],
    require: bool,
) -> None:
    label = "slot" if field == "slots" else "window"
    if require and not entries:
        errors.add(field, f"Give at least one {label}.")
    for number, entry in enumerate(entries, start=1):
        start, end = entry["starts_at"], entry["ends_at"]
        if end <= start:
            errors.add(field, f"The {label} {number} must end after it starts.")
        elif (start, end) not in unchanged_times and start <= now:
            errors.add(field, f"The {label} {number} must start in the future.")


def _check_no_overlap(slots: list[dict[str, Any]], errors: FieldErrors) -> None:
    ordered = sorted(slots, key=lambda slot: slot["starts_at"])
    for earlier, later in pairwise(ordered):
        if later["starts_at"] < earlier["ends_at"]:
            errors.add("slots", "Slots of one listing must not overlap.")
            return
