#!/usr/bin/env bash
# Developer entry points for a fresh machine with Python 3.11+:
#   ./dev.sh serve         install, migrate, load the demo community on first run, serve on :5000
#   ./dev.sh test [args]   install with the test extra and run pytest (args go to pytest)
#   ./dev.sh setup [extra] only create/refresh the virtual environment
set -euo pipefail
cd "$(dirname "$0")"

VENV="${MARKETPLACE_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
  local extra="${1:-}"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || { echo "dev.sh: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
    "$PYTHON" -m venv "$VENV"
  fi
  # Reinstall only when pyproject.toml changed since the last install of this extra.
  local stamp="$VENV/.installed-${extra:-base}-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".${extra:+[$extra]}"
    touch "$stamp"
  fi
}

command="${1:-serve}"
shift || true
case "$command" in
  setup)
    ensure_venv "${1:-test}"
    ;;
  serve)
    ensure_venv
    export FLASK_APP=wsgi
    "$VENV/bin/flask" db upgrade
    "$VENV/bin/flask" search reindex --if-missing
    "$VENV/bin/flask" demo load --if-empty
    exec "$VENV/bin/flask" run --host "${MARKETPLACE_HOST:-127.0.0.1}" --port "${MARKETPLACE_PORT:-5000}"
    ;;
  test)
    ensure_venv test
    exec "$VENV/bin/pytest" "$@"
    ;;
  *)
    echo "usage: ./dev.sh serve | test [pytest args] | setup [extra]" >&2
    exit 2
    ;;
esac
