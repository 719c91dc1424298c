"""Fixtures of the reservation tests: a stopped clock, the parties of a claim and their clients.

The clock stands still at ``NOW`` (10:00 in Qingxi) so that stored times compare exactly; tests
move it with ``clock.advance``. Listings come from ``tests/listing_factories.py`` (public, with a
pick-up window or slot tomorrow) and reservations from ``tests/reservation_factories.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.factories import MerchantFactory, UserFactory


@pytest.fixture(autouse=True)
def _clock_stands_still(frozen_clock: datetime) -> datetime:
    return frozen_clock


@pytest.fixture
def owner() -> Any:
    """A resident who offers things."""
    return UserFactory()


@pytest.fixture
def claimant() -> Any:
    return UserFactory()


@pytest.fixture
def merchant() -> Any:
    """A merchant posting for their organisation."""
    return MerchantFactory()


@pytest.fixture
def owner_client(client_as: Any, owner: Any) -> Any:
    return client_as(owner)


@pytest.fixture
def claimant_client(client_as: Any, claimant: Any) -> Any:
    return client_as(claimant)
