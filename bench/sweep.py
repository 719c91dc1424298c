"""The reservation sweeper at scale, on SQLite and on PostgreSQL: what one run of
``flask reservations sweep`` costs when nothing is due, as most runs from cron every minute
find, and when a batch is.

For each database the script builds a fresh one (a SQLite file in a temporary directory, or a
temporary PostgreSQL database that is dropped afterwards) with ``bench/search.py``'s synthetic
listings (``--listings``), gives every public offer the times it is claimed for (donations a
pick-up window behind and one ahead, skills two slots behind and one ahead) and a history of
about ``--reservations`` claims: most of them ended (completed, cancelled, declined, expired,
no-show), a few still open (pending give-aways, confirmed donations and skill places, loans out
or to come, and waiting claims on sold-out donations), with the listings' and slots' counters
agreeing with them. Nothing in it is due: no hold over, no pick-up time passed, no reminder to
send. PostgreSQL gets a VACUUM ANALYZE after the bulk load, as autovacuum would run.

Then, with the clock fixed at the corpus's moment:

1. ``idle``: the sweep ``--runs`` times: wall and CPU ms per sweep (on PostgreSQL also its
   backend's CPU), statements per sweep and the statements that took longest;
2. ``due``: ``--due`` give-away holds nobody confirmed in time and ``--due`` confirmed donation
   claims whose pick-up window ended before the grace period are added, and one sweep expires
   and marks them: ms in all and per reservation it changed;
3. ``idle`` once more, after that sweep.

``--explain N`` prints how the database ran the idle sweep's N slowest statements.

    .venv/bin/python bench/sweep.py --database both
    .venv/bin/python bench/sweep.py --database postgresql --listings 50000 --reservations 500000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))

from browse import vacuum_analyze  # noqa: E402
from claims import cpu_seconds, default_postgresql_server, fresh_databases  # noqa: E402
from search import advance_id_sequence, build_database, make_app  # noqa: E402
from sqlalchemy import event, func, insert, select, text, update  # noqa: E402
from synthetic import NOW  # noqa: E402

from marketplace import clock  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import Listing, ListingSlot, PickupWindow  # noqa: E402
from marketplace.reservations import services  # noqa: E402
from marketplace.reservations.models import Reservation  # noqa: E402

TODAY = date(2026, 12, 1)  # NOW in the service's time zone (Asia/Shanghai)
ENDED = ("completed", "cancelled", "declined", "expired", "no_show")
ENDED_WEIGHTS = (60, 20, 7, 8, 5)


# --- the history ---------------------------------------------------------------------------------


@dataclass
class History:
    """The rows to insert."""

    residents: list[int]
    rng: random.Random
    reservations: list[dict[str, Any]] = field(default_factory=list)
    windows: list[dict[str, Any]] = field(default_factory=list)
    slots: list[dict[str, Any]] = field(default_factory=list)
    listing_changes: list[dict[str, Any]] = field(default_factory=list)

    def claimant(self, owner_id: int) -> int:
        while (user_id := self.rng.choice(self.residents)) == owner_id:
            pass
        return user_id

    def window(self, listing_id: int, starts_at: datetime, place_id: int) -> int:
        ends_at = starts_at + timedelta(hours=3)
        return _added(self.windows, listing_id=listing_id, starts_at=starts_at, ends_at=ends_at,
                      place_id=place_id)  # fmt: skip

    def slot(self, listing_id: int, starts_at: datetime, booked: int, handed_over: int) -> int:
        ends_at = starts_at + timedelta(hours=2)
        return _added(self.slots, listing_id=listing_id, starts_at=starts_at, ends_at=ends_at,
                      capacity=3, booked=booked, handed_over=handed_over)  # fmt: skip

    def claim(self, listing: Any, status: str, days_ago: float, **columns: Any) -> None:
        created_at = NOW - timedelta(days=days_ago)
        self.reservations.append(
            {
                "listing_id": listing.id,
                "claimant_id": self.claimant(listing.owner_id),
                "request_id": None,
                "status": status,
                "quantity": 1,
                "slot_id": None,
                "pickup_window_id": None,
                "starts_on": None,
                "ends_on": None,
                "note": "",
                "pickup_code": f"{self.rng.randrange(1_000_000):06d}",
                "pickup_failures": 0,
                "hold_expires_at": None,
                "overdue": False,
                "created_at": created_at,
                "updated_at": created_at,
                "close_reason": "",
                **columns,
            }
        )

    def ended(self) -> str:
        return self.rng.choices(ENDED, ENDED_WEIGHTS)[0]


def _added(rows: list[dict[str, Any]], **columns: Any) -> int:
    """Append a row to a table that was empty before the history, with the id it gets."""
    rows.append({"id": len(rows) + 1, **columns})
    return len(rows)


def add_history(history: History, listing: Any, claims: int) -> None:
    if listing.kind == "donation":
        donation_history(history, listing, claims)
    elif listing.kind == "skill":
        skill_history(history, listing, claims)
    elif listing.mode == "lend":
        loan_history(history, listing, claims)
    else:
        give_away_history(history, listing, claims)


def donation_history(history: History, listing: Any, claims: int) -> None:
    rng = history.rng
    behind = history.window(listing.id, NOW - timedelta(days=5), listing.place_id)
    ahead = history.window(listing.id, NOW + timedelta(days=3), listing.place_id)
    completed = 0
    for _ in range(claims):
        status = history.ended()
        if status == "completed":
            if completed + 1 >= listing.quantity:
                status = "cancelled"
            else:
                completed += 1
        history.claim(listing, status, rng.uniform(5, 6), pickup_window_id=behind)
    left = listing.quantity - completed
    sold_out = rng.random() < 0.05
    confirmed = left if sold_out else rng.randrange(min(3, left))
    for _ in range(confirmed):
        history.claim(listing, "confirmed", rng.uniform(0, 2), pickup_window_id=ahead)
    for _ in range(rng.randint(1, 3) if sold_out else 0):
        history.claim(listing, "waitlisted", rng.uniform(0, 1), pickup_window_id=ahead)
    history.listing_changes.append(
        {
            "listing_id": listing.id,
            "units_reserved": completed + confirmed,
            "units_handed_over": completed,
            "status": "fully_reserved" if sold_out else "open",
        }
    )


def skill_history(history: History, listing: Any, claims: int) -> None:
    rng = history.rng
    behind = [NOW - timedelta(days=7), NOW - timedelta(days=2)]
    counts = [Counter(), Counter()]
    picks = [rng.randrange(2) for _ in range(claims)]
    for which in picks:
        status = history.ended()
        if counts[which]["booked"] >= 3 and status == "completed":
            status = "cancelled"
        counts[which][status] += 1
        counts[which]["booked"] += status == "completed"
    slot_ids = [
        history.slot(listing.id, starts_at, booked=count["booked"], handed_over=count["completed"])
        for starts_at, count in zip(behind, counts, strict=True)
    ]
    for which, count in zip((0, 1), counts, strict=True):
        for status in ENDED:
            for _ in range(count[status]):
                history.claim(listing, status, rng.uniform(8, 9), slot_id=slot_ids[which])
    places = rng.choice((0, 1, 2, 3))
    ahead = history.slot(listing.id, NOW + timedelta(days=4), booked=places, handed_over=0)
    for _ in range(places):
        history.claim(listing, "confirmed", rng.uniform(0, 2), slot_id=ahead)
    status = "fully_reserved" if places == 3 else "open"
    history.listing_changes.append({"listing_id": listing.id, "status": status})


def loan_history(history: History, listing: Any, claims: int) -> None:
    rng = history.rng
    ends_on = TODAY - timedelta(days=10)
    for _ in range(claims):
        starts_on = ends_on - timedelta(days=rng.randint(1, listing.max_lend_days or 2))
        period = {"starts_on": starts_on, "ends_on": ends_on}
        history.claim(listing, history.ended(), (TODAY - starts_on).days + 1, **period)
        ends_on = starts_on - timedelta(days=1)
    roll = rng.random()
    if roll < 0.1:  # out now
        period = {"starts_on": TODAY - timedelta(days=2), "ends_on": TODAY + timedelta(days=3)}
        history.claim(listing, "picked_up", 3, **period)
    elif roll < 0.2:  # to come
        period = {"starts_on": TODAY + timedelta(days=5), "ends_on": TODAY + timedelta(days=6)}
        history.claim(listing, "confirmed", 1, **period)


def give_away_history(history: History, listing: Any, claims: int) -> None:
    rng = history.rng
    for _ in range(claims):
        status = rng.choice(("cancelled", "declined", "expired"))
        history.claim(listing, status, rng.uniform(3, 20))
    if rng.random() < 0.1:
        history.claim(
            listing, "pending", 0.5, hold_expires_at=NOW + timedelta(hours=rng.uniform(1, 23))
        )
        history.listing_changes.append(
            {"listing_id": listing.id, "units_reserved": 1, "status": "fully_reserved"}
        )


def build_history(reservations: int, seed: int) -> History:
    """Insert the windows, slots and claims of every public offer, and set their counters."""
    residents = list(
        db.session.scalars(select(Listing.owner_id).where(Listing.organisation_id.is_(None)))
    )
    history = History(residents=sorted(set(residents)), rng=random.Random(seed))
    offers = db.session.execute(
        select(
            Listing.id,
            Listing.kind,
            Listing.mode,
            Listing.quantity,
            Listing.max_lend_days,
            Listing.owner_id,
            Listing.place_id,
        ).where(Listing.side == "offer", Listing.status == "open")
    ).all()
    average = reservations / len(offers)
    for listing in offers:
        add_history(history, listing, history.rng.randint(0, round(2 * average)))
    for model, rows in (
        (PickupWindow, history.windows),
        (ListingSlot, history.slots),
        (Reservation, history.reservations),
    ):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start : start + 5000])
        advance_id_sequence(model)
    for change in history.listing_changes:
        listing_id = change.pop("listing_id")
        db.session.execute(update(Listing).where(Listing.id == listing_id).values(**change))
    db.session.commit()
    return history


def add_due(history: History, count: int) -> None:
    """``count`` holds of give-aways that ran out and ``count`` confirmed donation claims whose
    pick-up window ended a day ago."""
    give_aways = db.session.execute(
        select(Listing.id, Listing.owner_id)
        .where(Listing.kind == "item", Listing.mode == "give", Listing.status == "open")
        .limit(count)
    ).all()
    donations = db.session.execute(
        select(Listing.id, Listing.owner_id, PickupWindow.id)
        .join(PickupWindow, PickupWindow.listing_id == Listing.id)
        .where(
            Listing.kind == "donation",
            Listing.status == "open",
            PickupWindow.ends_at < NOW - timedelta(hours=20),
        )
        .limit(count)
    ).all()
    history.reservations.clear()
    for listing_id, owner_id in give_aways:
        history.claim(
            _Row(listing_id, owner_id), "pending", 1.5, hold_expires_at=NOW - timedelta(hours=12)
        )
    for listing_id, owner_id, window_id in donations:
        history.claim(_Row(listing_id, owner_id), "confirmed", 6, pickup_window_id=window_id)
    db.session.execute(insert(Reservation), history.reservations)
    db.session.execute(
        update(Listing)
        .where(Listing.id.in_([listing_id for listing_id, _owner in give_aways]))
        .values(units_reserved=1, status="fully_reserved")
    )
    for listing_id in {listing_id for listing_id, _owner, _window in donations}:
        db.session.execute(
            update(Listing)
            .where(Listing.id == listing_id)
            .values(units_reserved=Listing.units_reserved + 1)
        )
    db.session.commit()


@dataclass(frozen=True)
class _Row:
    id: int
    owner_id: int


# --- measuring -----------------------------------------------------------------------------------


class StatementTimes:
    """Every statement the app sends while ``on`` is set, with its time."""

    def __init__(self) -> None:
        self.on = False
        self.times: list[tuple[float, str, Any]] = []
        self._started: float = 0.0

    def listen(self, engine: Any) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.on:
            self.times.append((time.perf_counter() - self._started, statement, parameters))


@dataclass
class Sweep:
    wall_ms: float
    cpu_ms: float
    database_cpu_ms: float | None
    statements: int
    report: Any


def backend_pid() -> int | None:
    if db.engine.dialect.name != "postgresql":
        return None
    return db.session.scalar(text("SELECT pg_backend_pid()"))


def timed_sweep(times: StatementTimes, pid: int | None) -> Sweep:
    times.times.clear()
    database_before = cpu_seconds(pid) if pid else None
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    times.on = True
    report = services.sweep()
    times.on = False
    wall = time.perf_counter() - wall_before
    cpu = time.process_time() - cpu_before
    database_cpu = None
    if pid and database_before is not None:
        database_cpu = ((cpu_seconds(pid) or 0.0) - database_before) * 1000
    return Sweep(wall * 1000, cpu * 1000, database_cpu, len(times.times), report)


def sweep_line(label: str, sweeps: list[Sweep]) -> str:
    wall = [sweep.wall_ms for sweep in sweeps]
    cpu = statistics.median(sweep.cpu_ms for sweep in sweeps)
    database = [sweep.database_cpu_ms for sweep in sweeps if sweep.database_cpu_ms is not None]
    database_part = f", PostgreSQL CPU {statistics.median(database):.1f}" if database else ""
    return (
        f"  {label:<6} wall ms median {statistics.median(wall):8.1f}, max {max(wall):8.1f}; "
        f"CPU ms {cpu:.1f}{database_part}; statements {sweeps[-1].statements}"
    )


def slowest(times: StatementTimes, count: int, explain: bool) -> Iterator[str]:
    """The statements that took longest, each with its plan when ``explain`` is set."""
    ranked = sorted(times.times, key=lambda timed: timed[0], reverse=True)[:count]
    for elapsed, statement, parameters in ranked:
        yield f"    {elapsed * 1000:7.2f} ms  {' '.join(statement.split())[:150]}"
        if explain:
            yield from (f"        {line}" for line in plan(statement, parameters))


def plan(statement: str, parameters: Any) -> list[str]:
    """How the database runs the statement: EXPLAIN ANALYZE on PostgreSQL (in a transaction
    rolled back afterwards), EXPLAIN QUERY PLAN on SQLite."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if db.engine.dialect.name == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {statement}", parameters)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [row[-1] for row in cursor.fetchall()]
    finally:
        connection.rollback()
        connection.close()


def run(database: str, url: str, workdir: Path, arguments: argparse.Namespace) -> None:
    app = make_app(workdir, url)
    with app.app_context():
        clock.freeze(NOW)
        try:
            history = build(database, arguments)
            measure(history, arguments)
        finally:
            clock.unfreeze()
            db.session.remove()
            db.engine.dispose()


def build(database: str, arguments: argparse.Namespace) -> History:
    started = time.perf_counter()
    build_database(arguments.listings, seed=arguments.seed)
    history = build_history(arguments.reservations, arguments.seed)
    if database == "postgresql":
        vacuum_analyze()
    total = db.session.scalar(select(func.count(Reservation.id)))
    open_claims = db.session.scalar(
        select(func.count(Reservation.id)).where(Reservation.status.notin_(ENDED))
    )
    print(
        f"{database}: {arguments.listings} listings, {total} claims ({open_claims} open), "
        f"built in {time.perf_counter() - started:.0f} s"
    )
    db.session.remove()
    return history


def measure(history: History, arguments: argparse.Namespace) -> None:
    # From here on the pool holds one connection, whose backend's CPU time is read.
    db.engine.dispose()
    pid = backend_pid()
    db.session.commit()
    times = StatementTimes()
    times.listen(db.engine)

    idle = [timed_sweep(times, pid) for _ in range(arguments.runs)]
    changed = [sweep.report for sweep in idle if any(vars(sweep.report).values())]
    print(sweep_line("idle", idle) + (f"; it changed something: {changed[0]}" if changed else ""))
    print("  its slowest statements (last run):")
    print("\n".join(slowest(times, arguments.explain or 4, explain=bool(arguments.explain))))

    add_due(history, arguments.due)
    due = timed_sweep(times, pid)
    moved = due.report.expired + due.report.no_shows
    print(
        sweep_line("due", [due])
        + f"; {due.report.expired} holds expired, {due.report.no_shows} no-shows: "
        + f"{due.wall_ms / max(moved, 1):.2f} ms each"
    )
    print(sweep_line("idle", [timed_sweep(times, pid) for _ in range(arguments.runs)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=20_000, help="synthetic listings")
    parser.add_argument(
        "--reservations", type=int, default=200_000, help="claims of the public offers, about"
    )
    parser.add_argument("--due", type=int, default=200, help="holds and no-shows made due")
    parser.add_argument("--runs", type=int, default=5, help="idle sweeps timed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--explain", type=int, default=0, help="plans of the idle sweep's N slowest statements"
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgresql",
        default=default_postgresql_server(),
        help="a PostgreSQL server where a temporary database may be created",
    )
    arguments = parser.parse_args()
    for database, url, workdir in fresh_databases(
        arguments.database, arguments.postgresql, "bench-sweep-"
    ):
        run(database, url, workdir, arguments)


if __name__ == "__main__":
    main()
