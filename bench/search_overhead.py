"""What ``GET /listings?q=`` costs besides the Whoosh search: the judged queries replayed through
the API in-process, each search's hits answered from memory after its first time, so that what
is left is loading the hits, their booked periods, snippets, serialising and Flask.

    .venv/bin/python bench/search_overhead.py --keep DIR [--n 20000] [--seed 7] [--requests 600]

It reuses the database and index that ``bench/search.py --keep DIR`` built in DIR (same ``--n``
and ``--seed``), and prints the CPU time per request: the median over rounds of the query mix.

CPU time on a shared machine drifts from minute to minute. For a figure that does not, count
the instructions executed, with the requests and without, and divide the difference:

    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        .venv/bin/python bench/search_overhead.py --keep DIR --requests 120   # and --requests 0

(PYTHONHASHSEED=0 on both runs; each prints "I refs".)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import make_app  # noqa: E402
from marketplace.search import indexer  # noqa: E402
from marketplace.search.index import SearchQuery, SearchResults  # noqa: E402
from marketplace.search.whoosh_index import WhooshIndex  # noqa: E402
from tests.search import corpus  # noqa: E402


def answer_searches_from_memory() -> None:
    """Each distinct search runs on the index once; later requests get its results again."""
    search = WhooshIndex.search
    answers: dict[SearchQuery, SearchResults] = {}

    def remembered(index: WhooshIndex, query: SearchQuery) -> SearchResults:
        if query not in answers:
            answers[query] = search(index, query)
        return answers[query]

    WhooshIndex.search = remembered  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", metavar="DIR", required=True, help="bench/search.py's --keep")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=600, help="timed requests")
    arguments = parser.parse_args()

    directory = Path(arguments.keep) / f"n-{arguments.n}-seed-{arguments.seed}"
    if not (directory / "bench.sqlite3").exists():
        parser.error(f"{directory} holds no database: run bench/search.py --keep first")
    app = make_app(directory)
    with app.app_context():
        indexer.get_index()
    answer_searches_from_memory()
    client = app.test_client()
    queries = [query.text for query in corpus.JUDGED_QUERIES]

    def ask(text: str) -> Any:
        response = client.get("/api/v1/listings", query_string={"q": text})
        assert response.status_code == 200 and not orjson.loads(response.data)["degraded"]

    for _ in range(2):  # the first pass runs the searches, the second warms up the rest
        for text in queries:
            ask(text)
    per_request: list[float] = []
    for start in range(0, arguments.requests, len(queries)):
        batch = [
            queries[i % len(queries)]
            for i in range(start, min(start + len(queries), arguments.requests))
        ]
        started = time.process_time()
        for text in batch:
            ask(text)
        per_request.append((time.process_time() - started) / len(batch))
    if per_request:
        print(
            f"{arguments.requests} requests: CPU {statistics.median(per_request) * 1000:.2f} ms per "
            f"request besides the Whoosh search (median of {len(per_request)} rounds)"
        )


if __name__ == "__main__":
    main()
