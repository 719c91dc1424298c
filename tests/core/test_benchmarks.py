"""Every script in ``bench/`` runs to its end at a small size, on the suite's kind of database
where it takes one, so that a change to the app cannot leave a benchmark broken until someone
next needs its figures. Nothing here is timed: the figures printed at these sizes mean nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import DATABASE_URL_VARIABLE

ROOT = Path(__file__).resolve().parents[2]


def run_bench(script: str, *arguments: str) -> str:
    """The script's output; fails with the end of its error output when it fails."""
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    return finished.stdout


@pytest.fixture
def database_arguments() -> list[str]:
    """``--database`` (and the server, for PostgreSQL) of the database the suite runs on."""
    configured = os.environ.get(DATABASE_URL_VARIABLE)
    if not configured:
        return ["--database", "sqlite"]
    server = make_url(configured).set(drivername="postgresql")
    return ["--database", "postgresql", "--postgresql", server.render_as_string(False)]


def test_search_and_its_overhead_benchmarks_run(tmp_path):
    report = run_bench("search.py", "--n", "300", "--rounds", "1", "--keep", str(tmp_path))
    overhead = run_bench(
        "search_overhead.py", "--keep", str(tmp_path), "--n", "300", "--requests", "10"
    )

    assert "(a) GET /listings?q= (in-process)" in report
    assert "(e) GET /listings without q" in report
    assert re.search(r"API recall@10 above both SQL baselines: \d\.\d+", report)
    assert "per request besides the Whoosh search" in overhead


def test_browse_benchmark_runs(database_arguments):
    report = run_bench("browse.py", "--n", "300", "--rounds", "1", *database_arguments)

    assert re.search(r"\(no filter\)\s+p50\s+[\d.]+ ms", report)
    assert "whole mix" in report


@pytest.mark.concurrency
def test_claims_benchmark_runs_and_oversells_nothing(database_arguments):
    report = run_bench(
        "claims.py", "--clients", "4", "--seconds", "1", "--floor", *database_arguments
    )

    assert re.search(r"^\s+(sqlite|postgresql)\s+\1 floor$", report, re.MULTILINE)
    # A column for the app and one for the floor app's stand-ins; both answered every request.
    assert re.search(r"^claims/s \(201 Created\)\s+[1-9]\d*\s+[1-9]\d*$", report, re.MULTILINE)
    assert re.search(r"^other answers / errors\s+0\s+0$", report, re.MULTILINE)
    assert re.search(r"^oversold \(final state\)\s+0\s+0$", report, re.MULTILINE)
    assert re.search(r"^oversold \(replayed history\)\s+0\s+0$", report, re.MULTILINE)
    assert re.search(r"^(sqlite|postgresql): [1-9]\d*% of the floor's claims/s$", report, re.M)


def test_claims_benchmark_rounds_give_a_column_each_and_their_median(database_arguments):
    report = run_bench(
        "claims.py", "--clients", "2", "--seconds", "0.5", "--rounds", "2", *database_arguments
    )

    assert re.search(r"^\s+(sqlite|postgresql) #1\s+\1 #2$", report, re.MULTILINE)
    summary = re.search(
        r"^(?:sqlite|postgresql): claims/s in 2 rounds: median (\d+), (\d+)-(\d+) \((\d+) (\d+)\)$",
        report,
        re.MULTILINE,
    )
    assert summary is not None, report
    median, low, high, first, second = map(int, summary.groups())
    assert 0 < low <= median <= high
    assert sorted((first, second)) == [low, high]
    assert re.search(r"ms after the rounds\)", report)


def test_claims_profile_benchmark_runs(database_arguments):
    report = run_bench("claims_profile.py", "--pairs", "5", "--warmup", "1", *database_arguments)

    assert re.search(r"statements per claim:\s+\d", report)


def test_matching_benchmark_runs():
    report = run_bench("matching.py", "--offers", "300", "--requests", "5", "--rounds", "1")

    assert "precision@1" in report


def test_pages_benchmark_runs():
    report = run_bench("pages.py", "--rounds", "1")

    assert "API browse" in report
