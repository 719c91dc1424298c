"""What ``GET /listings?q=`` costs besides the Whoosh search: the judged queries replayed through
the API in-process, as ``bench/search.py`` times it (through the app's WSGI callable), each
search's hits answered from memory after its first time, so that what is left is loading the
hits, their booked periods, snippets, serialising and Flask.

    .venv/bin/python bench/search_overhead.py --keep DIR [--n 20000] [--seed 7] [--requests 600]
                                              [--after-search]

It reuses the database and index that ``bench/search.py --keep DIR`` built in DIR (same ``--n``
and ``--seed``), and prints the CPU time per request: the median over rounds of the query mix.

CPU time on a shared machine drifts from minute to minute. For a figure that does not, count
the instructions executed, with the requests and without, and divide the difference:

    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        .venv/bin/python bench/search_overhead.py --keep DIR --requests 120   # and --requests 0

(PYTHONHASHSEED=0 on both runs; each prints "I refs".)

With ``--after-search`` each request follows its query's real Whoosh search (untimed), as in
``bench/search.py``: the search leaves the processor's caches full of the index's data, and the
rest of the request then runs slower than it does back to back with other requests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import hit_ids, make_app, wsgi_get  # noqa: E402
from marketplace.search import indexer  # noqa: E402
from marketplace.search.index import SearchQuery, SearchResults  # noqa: E402
from marketplace.search.whoosh_index import WhooshIndex  # noqa: E402
from tests.search import corpus  # noqa: E402


def answer_searches_from_memory() -> Callable[[WhooshIndex, SearchQuery], SearchResults]:
    """Each distinct search runs on the index once; later requests get its results again.
    Returns the real search."""
    search = WhooshIndex.search
    answers: dict[SearchQuery, SearchResults] = {}

    def remembered(index: WhooshIndex, query: SearchQuery) -> SearchResults:
        if query not in answers:
            answers[query] = search(index, query)
        return answers[query]

    WhooshIndex.search = remembered  # type: ignore[method-assign]
    return search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", metavar="DIR", required=True, help="bench/search.py's --keep")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=600, help="timed requests")
    parser.add_argument(
        "--after-search",
        action="store_true",
        help="before each request, run its Whoosh search for real, untimed: the request then "
        "meets the processor's caches as a search left them, as it does in bench/search.py",
    )
    arguments = parser.parse_args()

    directory = Path(arguments.keep) / f"n-{arguments.n}-seed-{arguments.seed}"
    if not (directory / "bench.sqlite3").exists():
        parser.error(f"{directory} holds no database: run bench/search.py --keep first")
    app = make_app(directory)
    with app.app_context():
        index = indexer.get_index()
    search = answer_searches_from_memory()
    queries = [query.text for query in corpus.JUDGED_QUERIES]

    def ask(text: str) -> Any:
        return hit_ids(*wsgi_get(app, "/api/v1/listings", {"q": text}))

    for _ in range(2):  # the first pass runs the searches, the second warms up the rest
        for text in queries:
            ask(text)
    per_request: list[float] = []
    for start in range(0, arguments.requests, len(queries)):
        batch = [
            queries[i % len(queries)]
            for i in range(start, min(start + len(queries), arguments.requests))
        ]
        spent = 0.0
        for text in batch:
            if arguments.after_search:
                search(index, SearchQuery(text=text))
            started = time.process_time()
            ask(text)
            spent += time.process_time() - started
        per_request.append(spent / len(batch))
    if per_request:
        print(
            f"{arguments.requests} requests{' after a real search each' * arguments.after_search}"
            f": CPU {statistics.median(per_request) * 1000:.2f} ms per request besides the "
            f"Whoosh search (median of {len(per_request)} rounds)"
        )


if __name__ == "__main__":
    main()
