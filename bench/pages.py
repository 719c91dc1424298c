"""Render times of the busiest pages with the demo data, in-process (no network, no browser).

    .venv/bin/python bench/pages.py [--rounds 200]

Builds a temporary SQLite database with the migrations, loads the demo community, builds the
search index, then renders each page ``rounds`` times with Flask's test client (as a visitor
and as a logged-in resident) and prints p50 and p95 in milliseconds, both wall-clock and CPU
time of the rendering thread (``time.thread_time``; steadier than wall-clock on a busy
machine). The target is a p50 of at most 50 ms per page.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def build_app(workdir: Path) -> Any:
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(workdir)
    from flask_migrate import upgrade

    from marketplace import create_app, demo
    from marketplace.search import indexer

    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "SEARCH_DIR": str(workdir / "search"),
        }
    )
    with app.app_context():
        upgrade()
        demo.load()
        indexer.rebuild()
    return app


def log_in(client: Any, login: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login", data={"login": login, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.status_code


def time_page(client: Any, path: str, rounds: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each of ``rounds`` renders of ``path``."""
    for _ in range(5):  # warm caches (templates, jieba dictionary, index readers)
        assert client.get(path).status_code == 200, path
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(path)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return wall, cpu


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        app = build_app(Path(directory))
        from marketplace.demo import DEMO_PASSWORD

        with app.app_context():
            from sqlalchemy import select

            from marketplace.accounts.models import User
            from marketplace.extensions import db
            from marketplace.listings.models import Listing

            zhang = db.session.scalar(select(User.id).where(User.email == "zhang@qingxi.example"))
            public = select(Listing.id).where(Listing.moderation == "approved").order_by(Listing.id)
            listing_id = db.session.scalar(public.where(Listing.owner_id != zhang))
            own_listing_id = db.session.scalar(public.where(Listing.owner_id == zhang))
        visitor = app.test_client()
        resident = app.test_client()
        log_in(resident, "zhang@qingxi.example", DEMO_PASSWORD)
        pages = [
            ("home (visitor)", visitor, "/"),
            ("home (resident)", resident, "/"),
            ("search 婴儿车", visitor, "/search?q=婴儿车"),
            ("search 理发 + filters", resident, "/search?q=理发&side=offer&kind=skill"),
            ("search category", visitor, "/search?category=tools"),
            ("listing (visitor)", visitor, f"/listings/{listing_id}"),
            ("listing (resident)", resident, f"/listings/{listing_id}"),
            ("listing (owner, matches)", resident, f"/listings/{own_listing_id}"),
            ("reference: API browse", visitor, "/api/v1/listings?side=offer&per_page=8"),
        ]
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'':<26}{'wall-clock':>18}{'CPU':>18}   ({args.rounds} renders each)")
        print(f"{'page':<26}{'p50 ms':>9}{'p95 ms':>9}{'p50 ms':>9}{'p95 ms':>9}")
        for name, client, path in pages:
            wall, cpu = time_page(client, path, args.rounds)
            print(
                f"{name:<26}{statistics.median(wall):>9.1f}{percentile(wall, 0.95):>9.1f}"
                f"{statistics.median(cpu):>9.1f}{percentile(cpu, 0.95):>9.1f}"
            )


if __name__ == "__main__":
    main()
