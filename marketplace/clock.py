"""The one clock every rule reads, so tests can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_frozen_at: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware in UTC (or the time a test set)."""
    return _frozen_at if _frozen_at is not None else datetime.now(UTC)


def freeze(at: datetime) -> None:
    """Stop the clock at ``at`` (tests only)."""
    global _frozen_at
    if at.tzinfo is None:
        raise ValueError("the clock only holds timezone-aware times")
    _frozen_at = at.astimezone(UTC)


def advance(by: timedelta) -> None:
    """Move a frozen clock forward (tests only)."""
    freeze(now() + by)


def unfreeze() -> None:
    global _frozen_at
    _frozen_at = None
