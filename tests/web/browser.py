"""Driving Debian's Chromium with Playwright against the app served on a free local port.

The app runs in werkzeug's server in a thread of the test process, on the test database with
real commits (the ``committed`` fixture empties every table afterwards). A test that fails
leaves a screenshot of each of its pages under ``test-artifacts/web/`` (or the folder named by
``MARKETPLACE_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = (
    Path(
        os.environ.get("MARKETPLACE_TEST_ARTIFACTS")
        or Path(__file__).resolve().parents[2] / "test-artifacts"
    )
    / "web"
)
PHONE = {"width": 360, "height": 740}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
)


class LiveServer:
    """The app in a background thread, answering on 127.0.0.1 at a free port."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def screenshot_name(node_id: str, number: int) -> str:
    return f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', node_id)}-{number}.png"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def phones(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``phones()`` opens a new phone-sized browser (its own cookies) and returns its page;
    every page is screenshotted if the test fails."""
    contexts: list[Any] = []

    def open_phone() -> Any:
        context = chromium.new_context(viewport=PHONE, locale="zh-CN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for number, context in enumerate(contexts):
            for page in context.pages:
                try:
                    page.screenshot(
                        path=str(ARTIFACTS / screenshot_name(request.node.nodeid, number)),
                        full_page=True,
                        timeout=5_000,
                    )
                except Exception as exc:  # a hung page must not hide the test's own failure
                    print(f"no screenshot of {page.url}: {exc}")
    for context in contexts:
        context.close()
