"""WSGI entry point: ``gunicorn wsgi:app``."""

import sys

from config import ConfigurationError
from marketplace import create_app

try:
    app = create_app()
except ConfigurationError as exc:
    print(f"marketplace: cannot start: {exc}", file=sys.stderr)
    raise SystemExit(1) from None
