"""Browsing without ``q`` at scale, on SQLite and on PostgreSQL.

For each database the script builds a fresh one (a SQLite file in a temporary directory, or a
temporary PostgreSQL database that is dropped afterwards) with ``bench/search.py``'s synthetic
corpus (``--n`` listings, about 92% of them public), then times ``GET /api/v1/listings``
in-process over ``bench/search.py``'s browse mix (the filters and orders of its (e) line): a
page of 20 and its total, which the database picks, counts and orders.

    .venv/bin/python bench/browse.py --n 100000 --database both

SQLite runs without ANALYZE statistics, as the service leaves it. PostgreSQL gets a VACUUM
ANALYZE after the bulk load, which autovacuum would run on its own after that many inserts; the
visibility map it sets lets PostgreSQL count from an index alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from flask import Flask

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))

from claims import fresh_databases  # noqa: E402
from search import BROWSE_MIX, build_database, make_app, timed  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from synthetic import percentile  # noqa: E402

from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import Listing  # noqa: E402


def vacuum_analyze(*tables: str) -> None:
    """VACUUM ANALYZE the tables (PostgreSQL), or the whole database when none is named."""
    connection = db.engine.raw_connection()
    try:
        connection.driver_connection.autocommit = True
        connection.driver_connection.execute(f"VACUUM ANALYZE {', '.join(tables)}".strip())
    finally:
        connection.close()


def build(app: Flask, database: str, count: int) -> None:
    with app.app_context():
        started = time.perf_counter()
        build_database(count, seed=7)
        if database == "postgresql":
            vacuum_analyze("listings")
        listings = db.session.scalar(select(func.count(Listing.id)))
        print(f"{database}: {listings} listings built in {time.perf_counter() - started:.1f} s")
        db.session.remove()


def time_browsing(app: Flask, rounds: int) -> None:
    client = app.test_client()

    def browsing(query_string: str) -> list[int]:
        response = client.get(f"/api/v1/listings?{query_string}")
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    per_query = {query: timed([query], rounds, browsing)[0][0] for query in BROWSE_MIX}
    for query, seconds in per_query.items():
        print(f"  {query or '(no filter)':<40} p50 {statistics.median(seconds) * 1000:7.2f} ms")
    everything = [value * 1000 for seconds in per_query.values() for value in seconds]
    print(
        f"  {'whole mix':<40} p50 {percentile(everything, 0.5):7.2f} ms   "
        f"p95 {percentile(everything, 0.95):7.2f} ms"
    )


def run(database: str, database_url: str | None, workdir: Path, count: int, rounds: int) -> None:
    app = make_app(workdir, database_url)
    build(app, database, count)
    time_browsing(app, rounds)
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="synthetic listings to insert")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds of each browse")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgresql",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server where a temporary database may be created",
    )
    arguments = parser.parse_args()
    for database, url, workdir in fresh_databases(
        arguments.database, arguments.postgresql, "bench-browse-"
    ):
        run(database, url, workdir, arguments.n, arguments.rounds)


if __name__ == "__main__":
    main()
