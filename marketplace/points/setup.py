"""Wiring points into the app: earning when reservations complete, and ``flask points``."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from marketplace.points import ledger, services
from marketplace.reservations.signals import reservation_completed

points_cli = AppGroup("points", help="The volunteer-points ledger.")


def init_app(app: Flask) -> None:
    reservation_completed.connect(services.on_reservation_completed)
    app.cli.add_command(points_cli)


@points_cli.command("audit")
def audit() -> None:
    """Check every cached balance against the ledger; exits 1 and lists mismatches if any."""
    problems = ledger.mismatches()
    for user_id, cached, summed in problems:
        click.echo(f"user {user_id}: cached balance {cached}, ledger sum {summed}")
    if problems:
        click.echo(f"points: {len(problems)} balances disagree with the ledger", err=True)
        sys.exit(1)
    click.echo("points: every balance equals its ledger")


@points_cli.command("sweep")
def sweep() -> None:
    """Pay skill awards whose dispute window passed; expire redemptions of ended rewards."""
    report = services.sweep()
    click.echo(
        f"points: {report.awarded} awards paid, {report.expired_redemptions} redemptions expired"
    )
