"""Fixtures of the points tests: a stopped clock and the people who earn and spend points.

The clock stands still at ``NOW`` (10:00 in Qingxi) so that the dispute window can be walked
through exactly with ``clock.advance``.
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
def provider() -> Any:
    """A resident who offers skills and things."""
    return UserFactory()


@pytest.fixture
def claimant() -> Any:
    return UserFactory()


@pytest.fixture
def merchant() -> Any:
    return MerchantFactory()


@pytest.fixture
def provider_client(client_as: Any, provider: Any) -> Any:
    return client_as(provider)


@pytest.fixture
def claimant_client(client_as: Any, claimant: Any) -> Any:
    return client_as(claimant)


@pytest.fixture
def coordinator_client(client_as: Any, coordinator: Any) -> Any:
    return client_as(coordinator)
