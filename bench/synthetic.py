"""What the search and matching benchmarks share: the fixed moment their corpora are built at,
the columns every synthetic listing row starts from, and percentiles of timings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def listing_row(rng: random.Random, place_id: int) -> dict[str, Any]:
    """An open, approved listing's columns that do not depend on its kind: posted in the last
    40 days, ending within 45."""
    created_at = NOW - timedelta(hours=rng.uniform(0, 24 * 40))
    return {
        "mode": None,
        "photo_urls": [],
        "place_id": place_id,
        "organisation_id": None,
        "status": "open",
        "moderation": "approved",
        "moderation_reason": "",
        "hidden_with_owner": False,
        "created_at": created_at,
        "updated_at": created_at,
        "expires_at": NOW + timedelta(hours=rng.uniform(2, 24 * 45)),
        "quantity": None,
        "units_reserved": 0,
        "units_handed_over": 0,
        "per_person_limit": None,
        "max_lend_days": None,
        "auto_confirm": False,
        "version": 1,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
