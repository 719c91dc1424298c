"""Claims from many clients at once, through gunicorn with several worker processes.

The threaded tests share one Python process; here the claims arrive over HTTP at separate
processes, each with its own connections, so nothing in-process (the GIL, a shared pool) can be
what keeps the count right: only the database can. The server runs the testing configuration on
the suite's database and listens on 127.0.0.1 only. On Linux each worker has a socket of its own,
as the README deploys it, and the kernel spreads the connections over them; gunicorn's access log
names the process that answered each claim, so the test knows that every worker took part.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from marketplace import clock
from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.listing_factories import DonationOfferFactory
from tests.reservations.concurrency_helpers import (
    answer_of,
    assert_units_kept,
    new_claimants,
    run_together,
)

# Many connections at once: these run one after another in one xdist worker (--dist loadgroup).
pytestmark = [pytest.mark.concurrency, pytest.mark.xdist_group("many_connections")]

REPOSITORY = Path(__file__).resolve().parents[2]
WORKERS = 3
THREADS_PER_WORKER = 4
CLIENTS = 50
UNITS = 5
ROUNDS = 3
STARTUP_SECONDS = 60
# Linux spreads connections over the workers' own sockets (--reuse-port); elsewhere they share one.
SOCKET_PER_WORKER = sys.platform == "linux"
# gunicorn's access log: the worker's pid (as <pid>), the status and the request line.
ACCESS_LOG_FORMAT = "answered by %(p)s: %(s)s %(r)s"
CLAIM_ANSWER = re.compile(r"^answered by <(\d+)>: \d+ POST /api/v1/listings/\d+/reservations ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` of 127.0.0.1 (Linux's /proc/net/tcp)."""
    address = f"0100007F:{port:04X}"
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1:4:2] == [address, "0A"])


def wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Wait until every worker listens on its own socket, if it has one, and the server
    answers."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            every_worker_listens = not SOCKET_PER_WORKER or listening_sockets(port) == WORKERS
            if every_worker_listens and get(port, "/api/v1/places") == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer within {STARTUP_SECONDS}s:\n{log.read_text()}")


@pytest.fixture
def server(committed: Flask, database_url: str, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """gunicorn serving the suite's database (its data committed by the test, then emptied by
    ``committed`` after gunicorn has stopped): the port, and the server's log."""
    port, log = free_port(), tmp_path / "gunicorn.log"
    environment = {
        **os.environ,
        "MARKETPLACE_ENV": "testing",
        "MARKETPLACE_TEST_DATABASE_URL": database_url,
        "MARKETPLACE_INSTANCE_PATH": str(tmp_path / "instance"),
        "MARKETPLACE_SEARCH_DIR": str(tmp_path / "search"),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={WORKERS}",
        f"--threads={THREADS_PER_WORKER}",
        f"--bind=127.0.0.1:{port}",
        *(["--reuse-port"] if SOCKET_PER_WORKER else []),
        "--log-level=warning",
        "--access-logfile=-",
        f"--access-logformat={ACCESS_LOG_FORMAT}",
        "wsgi:app",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPOSITORY, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_serving(process, port, log)
        yield port, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def claims_over_http(
    port: int, listing_id: int, body: dict[str, Any], tokens: list[str]
) -> Callable[[int, Callable[[], Any]], str]:
    """Attempts for ``run_together``: connect, wait for the others, claim with one's token."""

    def attempt(index: int, start: Callable[[], Any]) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.connect()
            start()
            connection.request(
                "POST",
                f"/api/v1/listings/{listing_id}/reservations",
                body=json.dumps(body),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {tokens[index]}",
                },
            )
            response = connection.getresponse()
            return answer_of(response.status, json.loads(response.read()))
        finally:
            connection.close()

    return attempt


def test_fifty_clients_claiming_five_units_through_gunicorn_get_five(
    committed: Flask, server: tuple[int, Path]
) -> None:
    port, log = server
    clock.unfreeze()  # the server keeps real time, so the listings must be made in it
    for _round in range(ROUNDS):
        with committed.app_context():
            donation = DonationOfferFactory(quantity=UNITS, per_person_limit=None)
            claimant_ids = new_claimants(CLIENTS)
            db.session.commit()
            listing_id, window_id = donation.id, donation.pickup_windows[0].id
            tokens = [
                accounts.create_token(db.session.get(User, user_id), "race")[1]
                for user_id in claimant_ids
            ]
        claim = claims_over_http(port, listing_id, {"pickup_window_id": window_id}, tokens)

        outcomes = run_together(CLIENTS, claim)

        assert Counter(outcomes) == {"201 confirmed": UNITS, "409 sold_out": CLIENTS - UNITS}
        with committed.app_context():
            assert_units_kept(listing_id)
    assert "Traceback" not in log.read_text()
    if SOCKET_PER_WORKER:
        assert len(claims_answered_by_process(log)) == WORKERS


def claims_answered_by_process(log: Path) -> Counter[int]:
    """How many claims each gunicorn worker answered, by its pid."""
    return Counter(
        int(match[1])
        for line in log.read_text().splitlines()
        if (match := CLAIM_ANSWER.match(line))
    )
