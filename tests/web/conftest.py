"""Fixtures of the web front end's tests: browsers (test clients) logged in through the pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from tests.web.browser import chromium, phones  # noqa: F401  (fixtures)
from tests.web.pages import log_in


@pytest.fixture
def browser_as(app: Flask) -> Callable[[Any], Any]:
    """A new test client logged in through the login form as the given user; it sends no
    X-CSRF-Token header, so its posts pass only with the form's token."""

    def make(user: Any) -> Any:
        return log_in(app.test_client(), user)

    return make


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium through the pages (Playwright)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """Keep each phase's report on the test item, so fixtures can tell that the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
