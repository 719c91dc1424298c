"""A coordinator's page of the place tree: add a place, rename, describe, locate or move one,
delete one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from marketplace.errors import DomainError
from marketplace.places import services as places
from marketplace.places.models import ALLOWED_PARENT_KINDS, PLACE_KINDS
from marketplace.places.schemas import PlaceIn, PlacePatch
from marketplace.web import bp, forms
from marketplace.web.pages import done, staff_required

# The kinds other places may hang under: only places of these kinds are offered as parents.
HOST_KINDS = frozenset().union(*ALLOWED_PARENT_KINDS.values())
NEW_PLACE_FIELDS = ("parent_id", "kind", "name", "description", "latitude", "longitude")
POSITION_FIELDS = ("latitude", "longitude")
# A refused form: which one ("add", "edit", "delete", or "page" when its place is gone) and
# the place it was about.
Refusal = tuple[str, int | None]


@bp.get("/staff/places", endpoint="places")
@staff_required
def places_page() -> Any:
    return _places_page()


@bp.post("/staff/places")
@staff_required
def add_place() -> Any:
    body = forms.cleaned(request.form, NEW_PLACE_FIELDS, integers=("parent_id",))
    hours = forms.opening_hours(request.form)
    if hours is not None:
        body["opening_hours"] = hours
    try:
        place = places.create_place(current_user, forms.parse(PlaceIn(), body))
    except DomainError as error:
        return _places_page(("add", None), forms.FormProblem.of(error)), error.status
    return done(f"已添加「{place.name}」。", _place_url(place.id))


@bp.post("/staff/places/<int:place_id>")
@staff_required
def edit_place(place_id: int) -> Any:
    """Rename, describe, set the hours of or move a place; an emptied box empties its field."""
    try:
        data = forms.parse(PlacePatch(), _changes(request.form))
        place = places.update_place(current_user, place_id, data)
    except DomainError as error:
        return _places_page(("edit", place_id), forms.FormProblem.of(error)), error.status
    return done(f"已保存「{place.name}」。", _place_url(place.id))


@bp.post("/staff/places/<int:place_id>/delete")
@staff_required
def delete_place(place_id: int) -> Any:
    """Delete a place; the service refuses one that anything still refers to."""
    try:
        name = places.get_place(place_id).name
        places.delete_place(current_user, place_id)
    except DomainError as error:
        return _places_page(("delete", place_id), forms.FormProblem.of(error)), error.status
    return done(f"已删除「{name}」。", url_for("web.places"))


def _changes(form: MultiDict[str, str]) -> dict[str, Any]:
    """The fields the edit form carries, emptied ones included so that they can be cleared."""
    changes: dict[str, Any] = {
        name: form[name].strip() for name in ("name", "description") if name in form
    }
    changes.update(forms.cleaned(form, ("parent_id",), integers=("parent_id",)))
    changes.update({name: form[name].strip() or None for name in POSITION_FIELDS if name in form})
    if any(key.startswith("hours-") for key in form):
        changes["opening_hours"] = forms.opening_hours(form)
    return changes


def _place_url(place_id: int) -> str:
    return url_for("web.places", _anchor=f"place-{place_id}")


def _places_page(refusal: Refusal = ("", None), problem: forms.FormProblem | None = None) -> str:
    tree = places.place_tree()
    ordered = list(_in_tree_order(tree))
    if refusal[0] in ("edit", "delete") and refusal[1] not in {n["id"] for n in ordered}:
        refusal = ("page", None)

    def problem_for(form: str, place_id: int | None = None) -> forms.FormProblem:
        """The refusal to show beside one form of the page: none unless it was that form."""
        return problem if problem and refusal == (form, place_id) else forms.FormProblem()

    return render_template(
        "web/places.html",
        tree=tree,
        places=ordered,
        kinds=PLACE_KINDS,
        parent_kinds=ALLOWED_PARENT_KINDS,
        host_kinds=HOST_KINDS,
        problem_for=problem_for,
        new_values=request.form if refusal[0] == "add" else _new_place_defaults(),
        edit_values=_edit_values(ordered, refusal),
    )


def _in_tree_order(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every place of the tree, each followed by the places below it."""
    for node in nodes:
        yield node
        yield from _in_tree_order(node["children"])


def _new_place_defaults() -> dict[str, str]:
    """The add form starts under the place whose "add below" link was followed, if any."""
    return {"parent_id": request.args.get("parent_id", "")}


def _edit_values(ordered: list[dict[str, Any]], refusal: Refusal) -> dict[int, Mapping[str, str]]:
    """What each place's edit form shows: the stored place, or what was typed when refused."""
    values: dict[int, Mapping[str, str]] = {
        node["id"]: {
            "name": node["name"],
            "description": node["description"],
            "parent_id": str(node["parent_id"] or ""),
            **{name: _number_text(node[name]) for name in POSITION_FIELDS},
            **forms.opening_hours_text(node["opening_hours"]),
        }
        for node in ordered
    }
    if refusal[0] == "edit" and refusal[1] is not None:
        values[refusal[1]] = request.form
    return values


def _number_text(value: float | None) -> str:
    return "" if value is None else str(value)  # every digit, so a save changes nothing
