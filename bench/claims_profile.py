"""What one claim and one cancel cost in-process: SQL statements, CPU time and a profile.

Builds the same database as ``bench/claims.py`` (a temporary SQLite file or PostgreSQL
database, residents with bearer tokens, auto-confirm donations), then drives the app through
Flask's test client from one thread: claim a listing, cancel the claim, repeated ``--pairs``
times. No HTTP server and no concurrency, so the figures are the app's own cost per request.
On PostgreSQL it also prints the CPU time of the database backend serving the app. Last, for
comparison, what a bare statement costs through the same session: a transaction of one
``SELECT 1``, and each further ``SELECT 1`` in one.

    .venv/bin/python bench/claims_profile.py --database postgresql --pairs 300
    .venv/bin/python bench/claims_profile.py --database sqlite --statements   # print the SQL
    .venv/bin/python bench/claims_profile.py --profile 25                     # top 25 by cumtime

CPU time drifts on a shared machine; instructions do not. Count them with and without the
pairs and divide the difference by the pairs (PYTHONHASHSEED=0 on both runs):

    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        .venv/bin/python bench/claims_profile.py --pairs 150 --quantity 1      # and --pairs 0
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))

from claims import (  # noqa: E402
    cpu_seconds,
    default_postgresql_server,
    migrate_and_seed,
    postgresql_database,
    service_settings,
    sqlite_database,
)
from sqlalchemy import event, text  # noqa: E402


class StatementLog:
    """The SQL statements sent while ``current`` names a phase."""

    def __init__(self) -> None:
        self.current: str | None = None
        self.counts: Counter[str] = Counter()
        self.samples: dict[str, list[str]] = {}

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.current is None:
            return
        self.counts[self.current] += 1
        self.samples.setdefault(self.current, []).append(" ".join(statement.split())[:160])


class DatabaseBackend:
    """CPU time of the PostgreSQL backend process that serves the app's one connection (the test
    client runs requests one at a time, so the pool never opens a second)."""

    def __init__(self, database_url: str, app: Any) -> None:
        self.pid: int | None = None
        if database_url.startswith("postgresql"):
            from marketplace.extensions import db

            with app.app_context():
                self.pid = db.session.scalar(text("SELECT pg_backend_pid()"))
                db.session.rollback()
        self.started = self._cpu()

    def _cpu(self) -> float | None:
        return None if self.pid is None else cpu_seconds(self.pid)

    def cpu_since_start(self) -> float | None:
        now = self._cpu()
        return None if now is None or self.started is None else now - self.started


@dataclass
class BareCosts:
    """CPU seconds of a committed transaction of one ``SELECT 1`` and of each further
    ``SELECT 1`` in one: in this process, and (PostgreSQL) in the backend serving it."""

    transaction: float
    statement: float
    database_transaction: float | None
    database_statement: float | None


def bare_statement_costs(app: Any, database_url: str, repetitions: int = 500) -> BareCosts:
    """What any statement costs through the app's session before it does anything."""
    from marketplace.extensions import db

    backend = DatabaseBackend(database_url, app)

    def transactions(statements: int) -> tuple[float, float | None]:
        """CPU seconds per transaction here and in the backend (None: not PostgreSQL)."""
        started, database_started = time.process_time(), backend.cpu_since_start()
        for _ in range(repetitions):
            for _ in range(statements):
                db.session.execute(text("SELECT 1"))
            db.session.commit()
        database_now = backend.cpu_since_start()
        database = (
            None
            if database_now is None or database_started is None
            else (database_now - database_started) / repetitions
        )
        return (time.process_time() - started) / repetitions, database

    with app.app_context():
        transactions(5)  # warm up
        (one, database_one), (five, database_five) = transactions(1), transactions(5)
        db.session.remove()
    further = None
    if database_one is not None and database_five is not None:
        further = (database_five - database_one) / 4
    return BareCosts(one, (five - one) / 4, database_one, further)


def run(database_url: str, workdir: Path, arguments: argparse.Namespace) -> None:
    environment = service_settings(database_url, workdir)
    seed = migrate_and_seed(environment, 1, arguments.listings, arguments.quantity)

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app()
    log = StatementLog()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", log)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seed.tokens[0]}"}

    def pair(index: int) -> None:
        listing_id = seed.listing_ids[index % len(seed.listing_ids)]
        log.current = "claim"
        response = client.post(
            f"/api/v1/listings/{listing_id}/reservations", json={}, headers=headers
        )
        assert response.status_code == 201, response.get_json()
        log.current = "cancel"
        response = client.post(
            f"/api/v1/reservations/{response.get_json()['id']}/cancel",
            json={"reason": "bench"},
            headers=headers,
        )
        assert response.status_code == 200, response.get_json()
        log.current = None

    for index in range(arguments.warmup):
        pair(index)
    backend = DatabaseBackend(database_url, app)
    log.counts.clear()
    log.samples.clear()
    # CPU time, not wall time: on a busy host a wall-clock profile mostly shows waiting.
    profiler = cProfile.Profile(time.process_time) if arguments.profile else None
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for index in range(arguments.pairs):
        pair(index)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started_wall
    database_cpu = backend.cpu_since_start()
    pairs = arguments.pairs
    print(f"{arguments.database}: {pairs} claim+cancel pairs in-process (test client)")
    if not pairs:  # a run that only sets up: the baseline of an instruction count
        with app.app_context():
            db.engine.dispose()
        return
    print(f"  statements per claim:  {log.counts['claim'] / pairs:.1f}")
    print(f"  statements per cancel: {log.counts['cancel'] / pairs:.1f}")
    print(f"  CPU ms per claim+cancel (this process): {cpu * 1000 / pairs:.1f}")
    if database_cpu is not None:
        print(
            f"  PostgreSQL CPU ms per claim+cancel (its backend): {database_cpu * 1000 / pairs:.1f}"
        )
    print(f"  wall ms per claim+cancel: {wall * 1000 / pairs:.1f}")
    bare = bare_statement_costs(app, database_url)
    print(
        f"  for comparison, CPU ms of a transaction of one SELECT 1: {bare.transaction * 1000:.2f}; "
        f"of each further SELECT 1 in it: {bare.statement * 1000:.2f}"
    )
    if bare.database_transaction is not None and bare.database_statement is not None:
        print(
            f"  the same in the PostgreSQL backend: {bare.database_transaction * 1000:.2f}; "
            f"{bare.database_statement * 1000:.2f}"
        )
    if arguments.statements:
        for phase in ("claim", "cancel"):
            print(f"\n  {phase}:")
            for statement in log.samples[phase][: log.counts[phase] // pairs]:
                print(f"    {statement}")
    if profiler:
        print()
        stats = pstats.Stats(profiler)
        stats.sort_stats(arguments.sort).print_stats(arguments.profile)
        if arguments.callees:
            stats.print_callees(arguments.callees)
    with app.app_context():
        db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument(
        "--postgresql",
        default=default_postgresql_server(),
        help="a PostgreSQL server where a temporary database may be created (default: as for "
        "bench/claims.py)",
    )
    parser.add_argument("--pairs", type=int, default=300, help="claim+cancel pairs measured")
    parser.add_argument("--warmup", type=int, default=30, help="pairs run before measuring")
    parser.add_argument("--listings", type=int, default=16)
    parser.add_argument(
        "--quantity",
        type=int,
        default=1,
        help="units of each donation (1: every claim sells a listing out and every cancel "
        "opens it again, as happens often under bench/claims.py)",
    )
    parser.add_argument("--statements", action="store_true", help="print one pair's SQL")
    parser.add_argument("--profile", type=int, default=0, help="print the top N of a profile")
    parser.add_argument("--sort", default="cumulative", help="profile sort key")
    parser.add_argument("--callees", help="also print what functions matching this call")
    arguments = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-claims-profile-"))
    try:
        databases = {
            "sqlite": lambda: sqlite_database(workdir),
            "postgresql": lambda: postgresql_database(arguments.postgresql),
        }
        with databases[arguments.database]() as database_url:
            run(database_url, workdir, arguments)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
