"""Fixtures of the figures tests: the hand-built month in Qingxi (see ``scenario.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.stats import scenario


@pytest.fixture
def november(app: Flask) -> scenario.Village:
    return scenario.build(app)


@pytest.fixture
def coordinator_client(client_as: Any, coordinator: Any) -> Any:
    return client_as(coordinator)
