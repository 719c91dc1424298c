"""The page views, one module per audience; importing them registers their routes."""

from marketplace.web.views import account, merchant, mine, posting, public, staff  # noqa: F401
