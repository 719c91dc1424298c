"""The page views, one module per audience; importing them registers their routes."""

from marketplace.web.views import (  # noqa: F401
    account,
    merchant,
    mine,
    oversight,
    places,
    posting,
    public,
    staff,
)
