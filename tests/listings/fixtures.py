"""Fixtures shared by the listing, moderation and notification tests; each conftest imports them.

The clock stands still at ``NOW`` in every one of those tests, so stored times can be compared
exactly; tests move it with ``clock.advance``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import CommunityFactory, UserFactory

# 2026-12-01 10:00 in Qingxi.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock_stands_still(frozen_clock: datetime) -> datetime:
    return frozen_clock


@pytest.fixture
def community() -> Any:
    return CommunityFactory(name="清溪村")


@pytest.fixture
def poster() -> Any:
    """A resident with enough completed exchanges to publish at once (trusted mode)."""
    return UserFactory(completed_exchanges=5)


@pytest.fixture
def poster_client(client_as: Any, poster: Any) -> Any:
    return client_as(poster)
