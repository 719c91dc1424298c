"""``flask`` commands: staff accounts and the demo community."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace.errors import DomainError

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="The Qingxi square demo community.")
listings_cli = AppGroup("listings", help="Listing upkeep.")


@users_cli.command("create")
@click.option(
    "--role",
    type=click.Choice(["resident", "merchant", "coordinator", "admin"]),
    default="resident",
)
@click.option("--email", default=None, help="E-mail address (e-mail and/or phone is required).")
@click.option("--phone", default=None, help="Mainland mobile number.")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--organisation", "organisation_name", default=None, help="Organisation (merchants).")
@click.password_option(help="Password (8 to 128 characters); asked for when not given.")
def create_user(
    role: str,
    email: str | None,
    phone: str | None,
    display_name: str,
    organisation_name: str | None,
    password: str,
) -> None:
    """Create an account, e.g. a coordinator: flask users create --role coordinator --email ..."""
    from marketplace.accounts import staff

    try:
        user = staff.create_account(
            role=role,
            email=email,
            phone=phone,
            display_name=display_name,
            password=password,
            organisation_name=organisation_name,
        )
    except DomainError as exc:
        raise click.ClickException(_describe(exc)) from exc
    click.echo(f"created {user.role} #{user.id} {user.display_name} ({user.email or user.phone})")


def _describe(error: DomainError) -> str:
    fields = error.details.get("fields")
    if fields:
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
    return error.message


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has places.")
def load_demo(if_empty: bool) -> None:
    """Create (or complete) the Diaozhuang / Qingxi demo community. Safe to run again."""
    from marketplace import demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("demo data is not loaded into a production database")
    if if_empty and demo.database_has_places():
        click.echo("demo: database already has data; nothing loaded")
        return
    report = demo.load()
    click.echo(
        f"demo: {report.places_created} places, {report.users_created} users and "
        f"{report.listings_created} listings created, {report.exchanges_completed} exchanges completed"
    )
    click.echo(
        "demo accounts (role, e-mail, phone, password; log in with the e-mail or the phone):"
    )
    for account in demo.DEMO_USERS:
        click.echo(f"  {account.role:<12} {account.email:<28} {account.phone}  {account.password}")


@listings_cli.command("expire")
def expire_listings() -> None:
    """Close listings past their end and remind owners before; safe to run every minute."""
    from marketplace.listings import services

    report = services.expire_listings()
    click.echo(f"listings: {report.expired} expired, {report.reminded} owners reminded")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(listings_cli)
