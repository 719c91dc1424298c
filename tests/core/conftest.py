"""Fixtures of the core tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def staff_client(client_as: Any, coordinator: Any) -> Any:
    """A client logged in as a community coordinator."""
    return client_as(coordinator)
