"""Wiring the search package into the app: the outbox hook, the text search behind
``GET /listings?q=``, draining after each unit of work, and the ``flask search`` commands."""

from __future__ import annotations

import signal
import time
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.search import indexer, outbox
from marketplace.search.index import IndexUnavailable
from marketplace.search.services import search_listings

search_cli = AppGroup("search", help="The search index.")


def init_app(app: Flask) -> None:
    outbox.register()
    listings.set_text_search(search_listings)
    app.teardown_appcontext(_drain_after_changes)
    app.cli.add_command(search_cli)


def _drain_after_changes(_error: BaseException | None) -> None:
    """After a request or command that committed listing changes, bring the index up to date
    (inline mode); in worker mode ``flask search worker`` does it."""
    if not outbox.committed_changes(db.session()):
        return
    if current_app.config["SEARCH_INDEXING"] == "inline":
        indexer.drain_quietly()


@search_cli.command("reindex")
@click.option("--if-missing", is_flag=True, help="Only build the index when there is none.")
def reindex(if_missing: bool) -> None:
    """Rebuild the index from the database into a new directory and swap it in atomically."""
    index = indexer.get_index()
    if if_missing and index.exists():
        click.echo("search: index present; nothing to do")
        return
    total = indexer.listing_count()
    with click.progressbar(length=total, label="indexing listings", show_pos=True) as bar:
        done = 0

        def advance(count: int) -> None:
            nonlocal done
            bar.update(count - done)
            done = count

        try:
            count = indexer.rebuild(index, on_progress=advance)
        except IndexUnavailable as exc:
            raise click.ClickException(f"{exc}; the live index was left as it was") from exc
    click.echo(f"search: indexed {count} listings")


@search_cli.command("status")
def status() -> None:
    """Documents in the index, public listings in the database, and how far this index lags
    behind the outbox."""
    index = indexer.get_index()
    try:
        documents: Any = index.count()
    except IndexUnavailable as exc:
        documents = f"unavailable ({exc})"
    click.echo(f"documents in index:       {documents}")
    click.echo(f"listings in database:     {indexer.listing_count()}")
    click.echo(f"public listings:          {indexer.public_listing_count()}")
    try:
        position = indexer.position_of(index)
        pending: Any = indexer.pending_count(index)
        lag: Any = f"{indexer.lag_seconds(index):.1f}s"
    except IndexUnavailable:
        position, pending, lag = None, "unknown", "unknown"
    if position is not None:
        click.echo(
            f"outbox position:          through row {position.through}"
            + (f" and {len(position.above)} rows beyond" if position.above else "")
        )
    click.echo(f"outbox pending:           {pending}")
    click.echo(f"outbox lag:               {lag}")
    if position is not None and indexer.missed_changes(index):
        click.echo("the index may have missed changes the outbox no longer keeps: reindex it")


@search_cli.command("prune")
def prune() -> None:
    """Delete outbox rows a week old (the worker does it every hour by itself)."""
    click.echo(f"search: deleted {indexer.prune_outbox()} outbox rows")


@search_cli.command("worker")
@click.option("--poll", default=0.5, show_default=True, help="Seconds between looks at the outbox.")
@click.option("--once", is_flag=True, help="Drain once and exit.")
def worker(poll: float, once: bool) -> None:
    """Be the one process that writes the index: drain the outbox continuously."""
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    last_prune = 0.0
    while True:
        try:
            report = indexer.drain()
            if report.applied:
                click.echo(f"search: applied {report.applied} changes, {report.pending} pending")
        except indexer.MissedChanges as exc:
            db.session.rollback()
            click.echo(f"search: {exc}; rebuilding it now", err=True)
            _rebuild_after_missed_changes()
        except IndexUnavailable as exc:
            click.echo(f"search: index unavailable, will retry: {exc}", err=True)
            db.session.rollback()
        if time.monotonic() - last_prune > 3600:
            indexer.prune_outbox()
            last_prune = time.monotonic()
        if once or stopping:
            return
        time.sleep(poll)


def _rebuild_after_missed_changes() -> None:
    try:
        count = indexer.rebuild()
    except IndexUnavailable as exc:
        db.session.rollback()
        click.echo(f"search: rebuild failed, will retry: {exc}", err=True)
        return
    click.echo(f"search: indexed {count} listings")
