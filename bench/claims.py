"""Claims under load: gunicorn on SQLite and on PostgreSQL, many clients claiming and cancelling.

For each database the script builds a fresh one (a SQLite file in a temporary directory, or a
temporary PostgreSQL database that is dropped afterwards), runs the migrations, seeds residents
with bearer tokens and donation listings, and starts the service under gunicorn on 127.0.0.1.
Then, against that one server:

1. ``trivial``: every client reads ``GET /api/v1/places/<id>`` as fast as it can; the requests/s
   of the same app doing almost nothing, for comparison.
2. ``claims``: every client, in a loop, claims a random listing and cancels its claim (a sold-out
   listing answers 409 and the client picks another), for ``--seconds``.
3. With ``--floor``, both again on a fresh database against ``bench/floor_app.py``, whose
   stand-ins for claim and cancel sign the caller in, parse the same bodies, send as many
   statements as the real ones in one transaction (one of them a write), commit, and apply no
   rule. Its column is what the stack itself (gunicorn, Flask, SQLAlchemy, psycopg and the
   database, on the same CPUs) allows on this host: no way of writing the rules that keeps
   their round trips to the database makes more claims per second than that. The last lines
   give the real claims/s as a share of the floor's: the host's speed of the day moves both.

Afterwards the database is checked for oversells: every listing's holding reservations within
its quantity and its ``units_reserved`` counter agreeing with them, and the claims' history
replayed (each claim holds its units from the moment it was made until its cancellation; both
moments are taken under the listing's lock) to find any moment at which a listing promised more
than it had. The oversell count must be 0.

Besides rates and latencies it prints the CPU time per claim or cancel request of the gunicorn
workers, of the PostgreSQL backends serving them and of this script's own clients, which share
the host's CPUs with the server. The clients are kept cheap for that: one thread drives all
their keep-alive connections (a thread per client took 0.3 ms of CPU per request, this loop
takes about 0.12, most of it the kernel's sending over loopback, and on a host of two CPUs the
server gets the difference). Hosts of the same size differ in speed from day to day, so it
first times a fixed pure-Python workload on this one: figures from two hosts compare only
alongside it. So do figures from two interpreters: the server runs on the one that runs this
script, and builds of the same Python version differ (on one host, a CPython 3.11 built without
``--enable-optimizations`` took 48 ms where Debian's build took 41). Within one hour, single
15-second runs of the same code on that host ranged from 165 to 255 claims/s on PostgreSQL:
``--rounds N`` measures each series N times, in turn, each on a fresh database and server, and
prints each one's median and range, with the reference workload timed again at the end.

    .venv/bin/python bench/claims.py --clients 32 --seconds 10 --database both
    .venv/bin/python bench/claims.py --database postgresql --seconds 20 --floor
    .venv/bin/python bench/claims.py --database postgresql --seconds 15 --rounds 9

PostgreSQL is reached over its Unix socket when there is one (``--postgresql`` chooses another
server or TCP), as a service on the same host as its database connects: every statement is a
round trip, and a round trip over the socket costs both sides less CPU than TCP over loopback.

gunicorn runs 2 workers, one per core of the 2-core host the target was set on, each with 2
threads (``--threads``): one thread runs on the worker's core while the other waits for the
database, and the gthread worker keeps connections alive, where the sync worker (``--threads 1``)
leaves its core idle during every database round trip and answers one request per connection.
With the database on the same 2 cores there is little waiting left to overlap, and more threads
only pass the interpreter's lock around more often: 4 threads made 5-6% fewer claims per second
than 2 over two series of alternating runs on one host (156 against 164, 142 against 151).
As the README deploys it, each worker listens on a socket of its own (``--reuse-port``) and the
kernel spreads new connections across them. On one shared socket (``--shared-socket``, gunicorn's
default) whichever worker wakes first accepts: the clients connect at once and keep their
connections, so one worker held nearly all of them, and the trivial GETs ran on about one core.
(Claims kept both workers busy even so: the few clients of the other worker were answered that
much sooner.) The table shows how the claim run's server CPU time split between the workers.

The search index is kept by no one during the run (``MARKETPLACE_SEARCH_INDEXING=worker``, as a
multi-process deployment runs it, without starting the worker), so Whoosh does not take part.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import secrets
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from sqlalchemy import func, make_url, select  # noqa: E402

HOLDING_STATUSES = ("pending", "confirmed", "picked_up")


# --- databases -----------------------------------------------------------------------------------


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    yield f"sqlite:///{workdir / 'bench.sqlite3'}"


@contextmanager
def postgresql_database(server_url: str) -> Iterator[str]:
    """A new database on the server, dropped afterwards (even if the run fails)."""
    import psycopg

    name = f"bench_claims_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = make_url(server_url).set(drivername="postgresql+psycopg", database=name)
    try:
        yield database_url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_databases(choice: str, server_url: str, prefix: str) -> Iterator[tuple[str, str, Path]]:
    """Each database that ``choice`` names (sqlite, postgresql or both), new: its name, its URL
    and a temporary work directory, both gone once its turn is over."""
    for database in ("sqlite", "postgresql") if choice == "both" else (choice,):
        with tempfile.TemporaryDirectory(prefix=prefix) as temporary:
            workdir = Path(temporary)
            new = (
                sqlite_database(workdir)
                if database == "sqlite"
                else postgresql_database(server_url)
            )
            with new as database_url:
                yield database, database_url, workdir


# --- seeding -------------------------------------------------------------------------------------


@dataclass
class Seed:
    place_id: int
    listing_ids: list[int]
    quantity: int
    tokens: list[str]


def service_settings(database_url: str, workdir: Path) -> dict[str, str]:
    """The environment gunicorn (and the seeding app) runs with."""
    return {
        "MARKETPLACE_ENV": "development",
        "MARKETPLACE_DATABASE_URL": database_url,
        "MARKETPLACE_INSTANCE_PATH": str(workdir / "instance"),
        "MARKETPLACE_SEARCH_DIR": str(workdir / "search"),
        "MARKETPLACE_SEARCH_INDEXING": "worker",
        "SECRET_KEY": secrets.token_urlsafe(48),
    }


def migrate_and_seed(
    environment: dict[str, str], clients: int, listings: int, quantity: int
) -> Seed:
    os.environ.update(environment)
    from flask_migrate import upgrade

    from marketplace import clock, create_app
    from marketplace.accounts.models import User
    from marketplace.accounts.services import create_token
    from marketplace.extensions import db
    from marketplace.listings.models import Listing
    from marketplace.places.models import Place

    app = create_app()
    with app.app_context():
        upgrade()
        place = Place(kind="community", name="清溪村", depth=0)
        db.session.add(place)
        db.session.flush()
        place.path = f"/{place.id}/"
        owner = User(email="donor@example.com", password_hash="-", display_name="爱心商户")
        residents = [
            User(email=f"resident{n}@example.com", password_hash="-", display_name=f"居民{n}")
            for n in range(clients)
        ]
        db.session.add_all([owner, *residents])
        db.session.flush()
        donations = [
            Listing(
                side="offer",
                kind="donation",
                title=f"爱心捐赠大米{n}",
                category="food",
                place_id=place.id,
                owner_id=owner.id,
                status="open",
                moderation="approved",
                expires_at=clock.now() + timedelta(days=30),
                quantity=quantity,
                auto_confirm=True,
            )
            for n in range(listings)
        ]
        db.session.add_all(donations)
        db.session.commit()
        seed = Seed(
            place_id=place.id,
            listing_ids=[donation.id for donation in donations],
            quantity=quantity,
            tokens=[create_token(resident, "bench")[1] for resident in residents],
        )
        db.engine.dispose()
    return seed


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` of 127.0.0.1 (Linux's /proc/net/tcp)."""
    address = f"0100007F:{port:04X}"
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1:4:2] == [address, "0A"])


@contextmanager
def gunicorn(
    environment: dict[str, str],
    workers: int,
    threads: int,
    log: Path,
    shared_socket: bool,
    application: list[str],
) -> Iterator[tuple[int, int]]:
    """The server's port and its master's pid; ``application`` is what follows gunicorn's
    options: the app (and where to find it)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--bind=127.0.0.1:{port}",
        "--backlog=2048",
        "--log-level=warning",
        *([] if shared_socket else ["--reuse-port"]),
        *application,
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=REPOSITORY,
            env={**os.environ, **environment},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    sockets = 1 if shared_socket else workers
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{log.read_text()}")
            try:
                # Every worker listening, or the first clients would all meet the first one.
                if listening_sockets(port) == sockets and server_answers(port, "/api/v1/places"):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start:\n{log.read_text()}") from None
            time.sleep(0.1)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_answers(port: int, path: str) -> bool:
    """Whether the server on ``port`` answers ``GET path`` with 200 (a fresh connection)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    finally:
        connection.close()


# --- load ----------------------------------------------------------------------------------------
#
# One thread multiplexes every client's keep-alive connection (see the module's docstring for
# why); requests are formatted from prepared text, and of each answer only the status line,
# Content-Length and Connection are read, and the JSON body when someone looks at it. A client
# is a script: a generator that yields its requests one at a time and is sent each answer.


@dataclass
class Tally:
    """What the clients saw."""

    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"claim": [], "cancel": [], "read": []}
    )
    answers: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Request:
    kind: str  # "claim", "cancel" or "read": where its latency and answer are tallied
    method: str
    path: str
    body: Any = None


@dataclass(frozen=True)
class Answer:
    status: int
    payload: bytes
    seconds: float

    @property
    def body(self) -> Any:
        """The decoded JSON body: decoded only when a script or the tally looks at it."""
        return json.loads(self.payload or b"null")


CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
CONNECTION_CLOSE = re.compile(rb"\r\nconnection:\s*close\b", re.IGNORECASE)


Script = Generator[Request, Answer, None]


class Connection:
    """One client's keep-alive HTTP/1.1 connection, driven by ``drive``'s loop."""

    def __init__(self, port: int, token: str | None, script: Script) -> None:
        self.port = port
        self.head = f"Host: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        if token:
            self.head += f"Authorization: Bearer {token}\r\n"
        self.script = script
        self.socket: socket.socket | None = None
        self.request: Request | None = None
        self.sent_at = 0.0
        self.received = bytearray()

    def send(self, request: Request, selector: selectors.BaseSelector) -> None:
        if self.socket is None:
            self.socket = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            selector.register(self.socket, selectors.EVENT_READ, self)
        body = b"" if request.body is None else json.dumps(request.body).encode()
        message = (
            f"{request.method} {request.path} HTTP/1.1\r\n{self.head}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.request, self.sent_at = request, time.perf_counter()
        self.socket.sendall(message)  # a few hundred bytes: the socket's buffer always has room

    def answer(self) -> tuple[Answer, bool] | None:
        """The answer, once all of it has arrived, and whether the server closes the
        connection after it; None while more is to come."""
        head_end = self.received.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = bytes(self.received[:head_end])
        length = CONTENT_LENGTH.search(head)
        if length is None:
            raise ValueError("an answer without Content-Length")  # Flask's JSON answers have it
        body_end = head_end + 4 + int(length[1])
        if len(self.received) < body_end:
            return None
        payload = bytes(self.received[head_end + 4 : body_end])
        del self.received[:body_end]
        seconds = time.perf_counter() - self.sent_at
        status = int(head.split(b" ", 2)[1])
        return Answer(status, payload, seconds), CONNECTION_CLOSE.search(head) is not None

    def close(self, selector: selectors.BaseSelector) -> None:
        if self.socket is not None:
            selector.unregister(self.socket)
            self.socket.close()
            self.socket = None
        self.received.clear()


ScriptFor = Callable[[int, float], tuple[str | None, Script]]


def drive(port: int, count: int, seconds: float, script_for: ScriptFor) -> tuple[Tally, float]:
    """Run ``count`` clients together, each with its bearer token and script from
    ``script_for(index, deadline)``, until every script has ended; the tally and the seconds
    it took."""
    tally = Tally()
    selector = selectors.DefaultSelector()
    began = time.perf_counter()
    deadline = began + seconds

    def advance(connection: Connection, answer: Answer | None) -> None:
        """Give the script its answer (None: start it) and send its next request."""
        nonlocal running
        try:
            request = (
                connection.script.send(answer) if answer is not None else next(connection.script)
            )
        except StopIteration:
            connection.close(selector)
            running -= 1
            return
        connection.send(request, selector)

    def drop(connection: Connection, reason: str) -> None:
        nonlocal running
        tally.answers[f"client error {reason}"] += 1
        connection.close(selector)
        connection.script.close()
        running -= 1

    def receive(connection: Connection) -> None:
        chunk = connection.socket.recv(65536) if connection.socket else b""
        if not chunk:
            raise ConnectionError("the server closed the connection")
        connection.received += chunk
        finished = connection.answer()
        if finished is None:
            return
        answer, closes = finished
        request = connection.request
        tally.latencies[request.kind].append(answer.seconds)
        tally.answers[f"{request.kind} {describe(answer)}"] += 1
        if closes:
            connection.close(selector)
        advance(connection, answer)

    connections = [Connection(port, *script_for(index, deadline)) for index in range(count)]
    running = len(connections)
    for connection in connections:
        try:
            advance(connection, None)
        except OSError as error:
            drop(connection, f"{type(error).__name__}: {error}")
    while running:
        events = selector.select(timeout=60)
        if not events:
            raise SystemExit("the server stopped answering for a minute")
        for key, _mask in events:
            try:
                receive(key.data)
            except (OSError, ValueError, KeyError) as error:  # the figures say what went wrong
                drop(key.data, f"{type(error).__name__}: {error}")
    selector.close()
    return tally, time.perf_counter() - began


def describe(answer: Answer) -> str:
    if answer.status < 400:
        return str(answer.status)
    body = answer.body
    if isinstance(body, dict) and "error" in body:
        return f"{answer.status} {body['error']['code']}"
    return str(answer.status)


def read_place(place_id: int) -> ScriptFor:
    def script_for(_index: int, deadline: float) -> tuple[str | None, Script]:
        def script() -> Script:
            while time.perf_counter() < deadline:
                yield Request("read", "GET", f"/api/v1/places/{place_id}")

        return None, script()

    return script_for


def claim_and_cancel(seed: Seed, floor: bool = False) -> ScriptFor:
    """Claim a random listing, cancel the claim; again until the deadline. With ``floor``, the
    same requests go to the floor app's stand-ins (``bench/floor_app.py``)."""

    def claim_path(listing_id: int) -> str:
        if floor:
            return f"/api/v1/bench/floor/{listing_id}/claim"
        return f"/api/v1/listings/{listing_id}/reservations"

    def cancel_path(listing_id: int, claimed: Any) -> str:
        if floor:
            return f"/api/v1/bench/floor/{listing_id}/cancel"
        return f"/api/v1/reservations/{claimed['id']}/cancel"

    def script_for(index: int, deadline: float) -> tuple[str | None, Script]:
        chooser = random.Random(index)

        def script() -> Script:
            while time.perf_counter() < deadline:
                listing_id = chooser.choice(seed.listing_ids)
                claimed = yield Request("claim", "POST", claim_path(listing_id), {})
                if claimed.status != 201:
                    continue
                # Always cancel what was claimed, even after the deadline, so no claim is left.
                yield Request(
                    "cancel", "POST", cancel_path(listing_id, claimed.body), {"reason": "bench"}
                )

        return seed.tokens[index], script()

    return script_for


# --- CPU spent by the server and the database (Linux /proc) ---------------------------------------


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def children_of(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


class CpuMeter:
    """CPU time of the gunicorn workers and of the PostgreSQL backends serving this database
    (SQLite runs inside the workers). Figures per request do not depend on how busy the rest of
    the host is, unlike requests per second."""

    def __init__(self, server_pid: int, database_url: str) -> None:
        self.server_pid = server_pid
        self.postgresql = database_url.startswith("postgresql")
        self.dsn = database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    def backends(self) -> list[int]:
        if not self.postgresql:
            return []
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [row[0] for row in rows]

    def snapshot(self) -> dict[str, dict[int, float]]:
        groups = {"app": children_of(self.server_pid), "database": self.backends()}
        return {
            group: {pid: used for pid in pids if (used := cpu_seconds(pid)) is not None}
            for group, pids in groups.items()
        }


def cpu_between(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> dict[str, float]:
    return {
        group: sum(used - before[group].get(pid, 0.0) for pid, used in after[group].items())
        for group in after
    }


def worker_cpu_between(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> list[float]:
    """CPU seconds of each gunicorn worker, busiest first."""
    app = after["app"]
    return sorted((used - before["app"].get(pid, 0.0) for pid, used in app.items()), reverse=True)


# --- oversells -----------------------------------------------------------------------------------


def oversells(database_url: str, seed: Seed) -> dict[str, int]:
    """Listings whose final state breaks invariant 1, and claims that, replayed in the order
    they were made and cancelled, made a listing promise more than its quantity."""
    from sqlalchemy import create_engine

    from marketplace.listings.models import Listing
    from marketplace.reservations.models import Reservation

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            held = dict(
                connection.execute(
                    select(Reservation.listing_id, func.sum(Reservation.quantity))
                    .where(Reservation.status.in_(HOLDING_STATUSES))
                    .group_by(Reservation.listing_id)
                ).all()
            )
            listings = connection.execute(
                select(Listing.id, Listing.quantity, Listing.units_reserved).where(
                    Listing.id.in_(seed.listing_ids)
                )
            ).all()
            history = connection.execute(
                select(
                    Reservation.listing_id,
                    Reservation.quantity,
                    Reservation.created_at,
                    Reservation.closed_at,
                ).where(Reservation.status.in_((*HOLDING_STATUSES, "cancelled")))
            ).all()
    finally:
        engine.dispose()
    final = sum(
        1
        for listing in listings
        if held.get(listing.id, 0) > listing.quantity
        or listing.units_reserved != held.get(listing.id, 0)
    )
    quantity = {listing.id: listing.quantity for listing in listings}
    moments: list[tuple[Any, int, int, int]] = []
    for row in history:
        moments.append((row.created_at, 1, row.listing_id, row.quantity))
        if row.closed_at is not None:
            moments.append((row.closed_at, 0, row.listing_id, -row.quantity))  # releases first
    holding: Counter[int] = Counter()
    replayed = 0
    for _moment, _order, listing_id, change in sorted(moments):
        holding[listing_id] += change
        if change > 0 and holding[listing_id] > quantity[listing_id]:
            replayed += 1
    return {"final": final, "replayed": replayed, "claims": len(history)}


# --- figures -------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


@dataclass
class Run:
    database: str
    trivial: Tally
    trivial_seconds: float
    claims: Tally
    claim_seconds: float
    oversold: dict[str, int]
    load: tuple[float, float]
    cpu: dict[str, dict[str, float]]
    worker_cpu: list[float]  # of the claim run, per worker
    floor: bool  # against bench/floor_app.py's stand-ins for claim and cancel
    round_number: int | None = None  # with --rounds: which round this run was

    @property
    def series(self) -> str:
        """What the run measured, whichever round it was."""
        return f"{self.database} floor" if self.floor else self.database

    @property
    def label(self) -> str:
        return self.series if self.round_number is None else f"{self.series} #{self.round_number}"

    @property
    def claims_per_second(self) -> float:
        return self.claims.answers["claim 201"] / self.claim_seconds

    def unexpected(self) -> Counter[str]:
        expected = {"claim 201", "claim 409 sold_out", "cancel 200", "read 200"}
        seen = self.claims.answers + self.trivial.answers
        return Counter({a: n for a, n in seen.items() if a not in expected})

    def figures(self) -> dict[str, str]:
        answered = sum(n for a, n in self.claims.answers.items() if a.startswith("claim"))
        claim, cancel = self.claims.latencies["claim"], self.claims.latencies["cancel"]
        read = self.trivial.latencies["read"]
        requests = len(claim) + len(cancel)
        app_ms = self.cpu["claims"]["app"] * 1000 / max(1, requests)
        database_ms = self.cpu["claims"]["database"] * 1000 / max(1, requests)
        clients_ms = self.cpu["claims"]["clients"] * 1000 / max(1, requests)
        # Claims/s if the host's CPUs did nothing but serve claim + cancel (the load generator
        # and everything else on the host taken away): one claim costs a claim and a cancel.
        ceiling = (os.cpu_count() or 1) * 1000 / max(1e-9, 2 * (app_ms + database_ms))
        return {
            "claims/s (201 Created)": f"{self.claims.answers['claim 201'] / self.claim_seconds:.0f}",
            "claim requests/s (201 or 409)": f"{answered / self.claim_seconds:.0f}",
            "cancels/s": f"{len(cancel) / self.claim_seconds:.0f}",
            "requests/s in all (claims, refused or not, and cancels)": (
                f"{(answered + len(cancel)) / self.claim_seconds:.0f}"
            ),
            "claim latency p50 ms": f"{percentile(claim, 0.50) * 1000:.1f}",
            "claim latency p95 ms": f"{percentile(claim, 0.95) * 1000:.1f}",
            "cancel latency p50 ms": f"{percentile(cancel, 0.50) * 1000:.1f}",
            "sold out (409)": str(self.claims.answers["claim 409 sold_out"]),
            "other answers / errors": str(sum(self.unexpected().values())),
            "oversold (final state)": str(self.oversold["final"]),
            "oversold (replayed history)": str(self.oversold["replayed"]),
            "trivial GET requests/s": f"{len(read) / self.trivial_seconds:.0f}",
            "trivial GET p50 ms": f"{percentile(read, 0.50) * 1000:.1f}",
            "server CPU ms per claim/cancel request": f"{app_ms:.1f}",
            "PostgreSQL CPU ms per claim/cancel request": (
                f"{database_ms:.1f}" if self.database == "postgresql" else "(in server)"
            ),
            "load generator CPU ms per claim/cancel request": f"{clients_ms:.2f}",
            "server CPU ms per trivial GET": (
                f"{self.cpu['trivial']['app'] * 1000 / max(1, len(read)):.2f}"
            ),
            "claims/s with all CPUs for the server": f"{ceiling:.0f}",
            "server CPU s per worker (claim run)": " / ".join(
                f"{seconds:.1f}" for seconds in self.worker_cpu
            ),
            "load average before/after": f"{self.load[0]:.1f} / {self.load[1]:.1f}",
        }


def claims_per_second_by_series(runs: list[Run]) -> dict[str, list[float]]:
    """Each series' claims/s, round by round, in the order the runs came."""
    rounds: dict[str, list[float]] = {}
    for run in runs:
        rounds.setdefault(run.series, []).append(run.claims_per_second)
    return rounds


def rounds_summary(runs: list[Run]) -> list[str]:
    """With ``--rounds``: each series' claims/s in every round, and their median and range."""
    return [
        f"{series}: claims/s in {len(figures)} rounds: median {statistics.median(figures):.0f}, "
        f"{min(figures):.0f}-{max(figures):.0f} "
        f"({' '.join(f'{figure:.0f}' for figure in figures)})"
        for series, figures in claims_per_second_by_series(runs).items()
        if len(figures) > 1
    ]


def shares_of_the_floor(runs: list[Run]) -> list[str]:
    """For each database measured with ``--floor``: its claims/s as a share of the floor's
    (medians, with ``--rounds``). The host's speed moves both alike, so the share drifts less
    than either figure."""
    medians = {
        series: statistics.median(figures)
        for series, figures in claims_per_second_by_series(runs).items()
    }
    return [
        f"{database}: {medians[database] / medians[f'{database} floor']:.0%} of the floor's "
        "claims/s"
        for database in dict.fromkeys(run.database for run in runs)
        if medians.get(f"{database} floor", 0) > 0 and database in medians
    ]


def print_table(runs: list[Run]) -> None:
    """One column per database, one line per figure."""
    columns = [run.figures() for run in runs]
    names = list(columns[0])
    name_width = max(map(len, names))
    widths = [
        max(len(run.label), *map(len, figures.values()))
        for run, figures in zip(runs, columns, strict=True)
    ]
    print(
        " " * name_width
        + "  "
        + "  ".join(r.label.rjust(w) for r, w in zip(runs, widths, strict=True))
    )
    for name in names:
        cells = "  ".join(f[name].rjust(w) for f, w in zip(columns, widths, strict=True))
        print(f"{name.ljust(name_width)}  {cells}")


# --- main ----------------------------------------------------------------------------------------


def bench(
    database: str,
    arguments: argparse.Namespace,
    floor: bool = False,
    round_number: int | None = None,
) -> Run:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-claims-{database}-"))
    application = (
        ["--pythonpath", str(REPOSITORY / "bench"), "floor_app:app"] if floor else ["wsgi:app"]
    )
    try:
        databases = {
            "sqlite": lambda: sqlite_database(workdir),
            "postgresql": lambda: postgresql_database(arguments.postgresql),
        }
        with databases[database]() as database_url:
            environment = service_settings(database_url, workdir)
            environment["BENCH_FLOOR_STATEMENTS"] = str(arguments.floor_statements)
            seed = migrate_and_seed(
                environment, arguments.clients, arguments.listings, arguments.quantity
            )
            log = workdir / "gunicorn.log"
            load_before = os.getloadavg()[0]
            with gunicorn(
                environment,
                arguments.workers,
                arguments.threads,
                log,
                arguments.shared_socket,
                application,
            ) as server:
                port, meter = server[0], CpuMeter(server[1], database_url)
                started = meter.snapshot()
                trivial, trivial_seconds = drive(
                    port, arguments.clients, arguments.trivial_seconds, read_place(seed.place_id)
                )
                between = meter.snapshot()
                load_started = time.process_time()
                claims, claim_seconds = drive(
                    port, arguments.clients, arguments.seconds, claim_and_cancel(seed, floor)
                )
                ended = meter.snapshot()
                cpu = {
                    "trivial": cpu_between(started, between),
                    "claims": {
                        **cpu_between(between, ended),
                        "clients": time.process_time() - load_started,
                    },
                }
            run = Run(
                database,
                trivial,
                trivial_seconds,
                claims,
                claim_seconds,
                oversells(database_url, seed),
                (load_before, os.getloadavg()[0]),
                cpu,
                worker_cpu_between(between, ended),
                floor,
                round_number,
            )
            problems = [
                line
                for line in log.read_text().splitlines()
                if "Traceback" in line or "ERROR" in line
            ]
            if problems:
                print(f"{run.label}: the server logged {len(problems)} errors, e.g. {problems[0]}")
            return run
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


POSTGRESQL_SOCKET_DIR = "/var/run/postgresql"


def default_postgresql_server() -> str:
    """The local server over its Unix socket, as the service on the same host connects (see
    the README); TCP on 127.0.0.1 where there is no socket directory."""
    if Path(POSTGRESQL_SOCKET_DIR).is_dir():
        return f"postgresql://postgres@/postgres?host={POSTGRESQL_SOCKET_DIR}"
    return "postgresql://postgres@127.0.0.1:5432/postgres"


def postgresql_transport(server_url: str) -> str:
    url = make_url(server_url)
    socket_dir = url.query.get("host")
    if url.host is None and socket_dir:
        return f"the Unix socket in {socket_dir}"
    return f"TCP to {url.host or 'localhost'}:{url.port or 5432}"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seconds", type=float, default=10, help="length of the claim run")
    parser.add_argument(
        "--trivial-seconds",
        type=float,
        default=None,
        help="length of the trivial run (default: half of --seconds)",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgresql",
        default=default_postgresql_server(),
        help="a PostgreSQL server (any database on it) where a temporary database may be "
        f"created (default: its Unix socket when {POSTGRESQL_SOCKET_DIR} exists, else "
        "127.0.0.1:5432)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="threads per worker (default 2: gunicorn's gthread worker; 1: its sync worker)",
    )
    parser.add_argument(
        "--shared-socket",
        action="store_true",
        help="let the workers accept from one shared socket (gunicorn's default) instead of "
        "a socket each",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="after each database's run, run the same load against bench/floor_app.py: "
        "stand-ins for claim and cancel that make the same round trips to the database and "
        "apply no rule (the most the stack answers on this host)",
    )
    parser.add_argument(
        "--floor-statements",
        type=int,
        default=3,
        help="statements each stand-in sends after signing in (default 3, as a claim and a "
        "cancel do: bench/claims_profile.py --statements)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each database (and floor) this many times, in turn, each on a fresh "
        "database and server, and print each series' median claims/s (default 1)",
    )
    parser.add_argument("--listings", type=int, default=16, help="donations to claim from")
    parser.add_argument("--quantity", type=int, default=2, help="units of each donation")
    arguments = parser.parse_args()
    if arguments.trivial_seconds is None:
        arguments.trivial_seconds = arguments.seconds / 2
    return arguments


def reference_workload_ms(rounds: int = 5) -> float:
    """Milliseconds this host takes for a fixed pure-Python workload (loops, dicts, strings),
    best of ``rounds``: how fast the interpreter runs here, for comparing hosts."""

    def workload() -> int:
        counts: dict[str, int] = {}
        for number in range(300_000):
            key = f"k{number % 1000}"
            counts[key] = counts.get(key, 0) + number
        return sum(counts.values())

    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        workload()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000


def main() -> int:
    arguments = parse_arguments()
    reference_ms = reference_workload_ms()
    databases = ("sqlite", "postgresql") if arguments.database == "both" else (arguments.database,)
    runs = []
    # Round by round, so that every series meets the host's slow and fast minutes alike.
    for round_number in range(1, arguments.rounds + 1):
        for database in databases:
            for floor in (False, True) if arguments.floor else (False,):
                run = bench(
                    database, arguments, floor, round_number if arguments.rounds > 1 else None
                )
                runs.append(run)
                if run.unexpected():
                    print(f"{run.label}: unexpected answers {dict(run.unexpected())}")
    reference_after_ms = reference_workload_ms() if arguments.rounds > 1 else None
    print(
        f"\n{arguments.clients} clients; gunicorn {arguments.workers} workers x "
        f"{arguments.threads} threads on 127.0.0.1 "
        f"({'one shared socket' if arguments.shared_socket else 'a socket each'}); "
        f"{arguments.listings} donations x "
        f"{arguments.quantity} units; claim+cancel for {arguments.seconds:g}s, trivial GET for "
        f"{arguments.trivial_seconds:g}s; {os.cpu_count()} CPUs"
    )
    after = "" if reference_after_ms is None else f" ({reference_after_ms:.0f} ms after the rounds)"
    print(
        f"this host runs the reference Python workload in {reference_ms:.0f} ms{after} (best of "
        f"5) on Python {platform.python_version()} at {sys.executable}, which runs the server too"
    )
    if "postgresql" in databases:
        print(f"the service reaches PostgreSQL over {postgresql_transport(arguments.postgresql)}")
    if arguments.floor:
        print(
            f"floor: stand-ins for claim and cancel that sign in, send "
            f"{arguments.floor_statements} statements (one of them a write) and commit; "
            "they never answer sold out"
        )
    print_table(runs)
    for line in rounds_summary(runs) + shares_of_the_floor(runs):
        print(line)
    oversold = sum(run.oversold["final"] + run.oversold["replayed"] for run in runs)
    return 1 if oversold else 0


if __name__ == "__main__":
    sys.exit(main())
