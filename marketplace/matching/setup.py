"""Wiring matching into the app: alerts after listings are indexed, requests that are met."""

from __future__ import annotations

from flask import Flask

from marketplace.matching import services
from marketplace.reservations.signals import reservation_completed
from marketplace.search.signals import listings_indexed


def init_app(_app: Flask) -> None:
    reservation_completed.connect(services.close_fulfilled_request)
    listings_indexed.connect(_alert_after_indexing)


def _alert_after_indexing(_sender: object, *, listing_ids: list[int]) -> None:
    services.send_alerts_quietly(listing_ids)
