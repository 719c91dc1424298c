"""Wiring the reservations package into the app: what listings show of their availability,
and the ``flask reservations`` commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from marketplace.accounts.signals import user_suspended
from marketplace.listings import services as listings
from marketplace.listings.signals import listing_taken_down, listing_withdrawn
from marketplace.reservations import services
from marketplace.reservations.transitions import as_markdown

reservations_cli = AppGroup("reservations", help="Reservation upkeep.")


def init_app(app: Flask) -> None:
    listings.set_booked_periods(services.booked_periods)
    listing_withdrawn.connect(services.cancel_claims_of_withdrawn)
    listing_taken_down.connect(services.cancel_claims_of_taken_down)
    user_suspended.connect(services.cancel_claims_of_suspended)
    app.cli.add_command(reservations_cli)


@reservations_cli.command("sweep")
def sweep() -> None:
    """Expire holds, mark no-shows (or call off loans whose item was not back), expire
    waitlisted claims whose pick-up time passed, flag overdue loans, move waitlists up, send
    reminders, mark skill offers fully booked once no slot with room is still to start.
    Safe to run every minute, and twice at once."""
    report = services.sweep()
    click.echo(
        f"reservations: {report.expired} holds expired, {report.no_shows} no-shows, "
        f"{report.waitlist_expired} waitlisted claims expired, "
        f"{report.loans_called_off} loans called off (item not back), "
        f"{report.overdue} loans overdue, {report.promoted} promoted, {report.reminders} reminders, "
        f"{report.fully_booked} skill offers fully booked (no slot ahead with room)"
    )


@reservations_cli.command("transitions")
def print_transitions() -> None:
    """Print the state machine's transition table (Markdown)."""
    click.echo(as_markdown())
