"""Fixtures of the moderation tests (see tests/listings/fixtures.py and actors.py)."""

from tests.listings.actors import client_of, merchant_owner  # noqa: F401
from tests.listings.fixtures import (  # noqa: F401
    _clock_stands_still,
    community,
    poster,
    poster_client,
)
