"""Place tree rules: kinds nest properly, paths stay correct when a subtree moves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.extensions import db
from marketplace.places.models import ALLOWED_PARENT_KINDS, Place

EDITABLE_FIELDS = ("name", "description", "opening_hours", "latitude", "longitude")


def list_places(kind: str | None = None) -> list[Place]:
    query = select(Place).order_by(Place.path)
    if kind:
        query = query.where(Place.kind == kind)
    return list(db.session.scalars(query))


def place_tree() -> list[dict[str, Any]]:
    """The whole tree as nested dicts with ``children``, roots first, siblings by name."""
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for place in sorted(list_places(), key=lambda p: (p.depth, p.name)):
        node = {**{c: getattr(place, c) for c in _OUT_FIELDS}, "children": []}
        nodes[place.id] = node
        parent = nodes.get(place.parent_id) if place.parent_id else None
        (parent["children"] if parent else roots).append(node)
    return roots


_OUT_FIELDS = (
    "id", "parent_id", "kind", "name", "path", "depth", "description",
    "opening_hours", "latitude", "longitude",
)  # fmt: skip


def get_place(place_id: int) -> Place:
    place = db.session.get(Place, place_id)
    if place is None:
        raise NotFound("No such place.")
    return place


def subtree_ids(place_id: int) -> list[int]:
    """The place and everything below it."""
    place = get_place(place_id)
    return list(db.session.scalars(select(Place.id).where(Place.path.startswith(place.path))))


def _require_staff(actor: Any) -> None:
    if not actor.is_staff:
        raise Forbidden("Only community coordinators can change places.")


def _parent_for(kind: str, parent_id: int | None) -> Place | None:
    """The parent a place of ``kind`` would hang under, checked against the tree's rules."""
    allowed = ALLOWED_PARENT_KINDS[kind]
    if parent_id is None:
        if allowed:
            raise Invalid({"parent_id": f"A {kind} needs a parent ({', '.join(sorted(allowed))})."})
        if db.session.scalar(select(Place.id).where(Place.parent_id.is_(None))):
            raise Conflict("root_exists", "The place tree already has its subdistrict.")
        return None
    parent = db.session.get(Place, parent_id)
    if parent is None:
        raise Invalid({"parent_id": "No such place."})
    if parent.kind not in allowed:
        raise Invalid({"parent_id": f"A {kind} cannot be placed under a {parent.kind}."})
    return parent


def _refuse_sibling_name(parent_id: int | None, name: str, except_id: int | None = None) -> None:
    query = select(Place.id).where(
        Place.parent_id == parent_id, func.lower(Place.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(Place.id != except_id)
    if db.session.scalar(query):
        raise Conflict("place_name_taken", "A place with this name already exists there.")


def create_place(actor: Any, data: dict[str, Any]) -> Place:
    _require_staff(actor)
    parent = _parent_for(data["kind"], data.get("parent_id"))
    _refuse_sibling_name(data.get("parent_id"), data["name"])
    place = Place(
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        **{key: data[key] for key in ("kind", *EDITABLE_FIELDS) if key in data},
    )
    db.session.add(place)
    db.session.flush()
    place.path = f"{parent.path if parent else '/'}{place.id}/"
    _commit_or_conflict("place_name_taken", "A place with this name already exists there.")
    return place


def update_place(actor: Any, place_id: int, data: dict[str, Any]) -> Place:
    _require_staff(actor)
    place = get_place(place_id)
    parent_id = data.get("parent_id", place.parent_id)
    if "name" in data or parent_id != place.parent_id:
        _refuse_sibling_name(parent_id, data.get("name", place.name), except_id=place.id)
    for key in EDITABLE_FIELDS:
        if key in data:
            setattr(place, key, data[key])
    if parent_id != place.parent_id:
        _move(place, parent_id)
    _commit_or_conflict("place_name_taken", "A place with this name already exists there.")
    return place


def _move(place: Place, parent_id: int | None) -> None:
    """Hang a place and its subtree under another parent, rewriting every path below it."""
    parent = _parent_for(place.kind, parent_id)
    if parent is None or parent.path.startswith(place.path):
        raise Invalid({"parent_id": "A place cannot move under itself or its own descendants."})
    old_path, new_path = place.path, f"{parent.path}{place.id}/"
    depth_change = parent.depth + 1 - place.depth
    db.session.execute(
        update(Place)
        .where(Place.path.startswith(old_path))
        .values(
            path=new_path + func.substr(Place.path, len(old_path) + 1),
            depth=Place.depth + depth_change,
        )
        .execution_options(synchronize_session=False)
    )
    place.parent_id = parent.id
    db.session.flush()
    db.session.expire_all()


def delete_place(actor: Any, place_id: int) -> None:
    """Delete an unused place; one that anything refers to (children, users, listings) is a 409."""
    _require_staff(actor)
    place = get_place(place_id)
    db.session.delete(place)
    _commit_or_conflict("place_in_use", "This place is still in use and cannot be deleted.")


def _commit_or_conflict(code: str, message: str) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(code, message) from exc
