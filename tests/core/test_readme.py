"""The README documents what the code does: every setting and the state machine's table."""

from __future__ import annotations

import re
from pathlib import Path

from marketplace.reservations.transitions import as_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_the_config_reads_is_in_the_readme():
    config = (ROOT / "config.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    variables = set(re.findall(r'"((?:MARKETPLACE|SECRET)_[A-Z_]+)"', config))

    assert variables, "config.py names its environment variables"
    assert sorted(name for name in variables if f"`{name}`" not in readme) == []


def test_the_readme_shows_the_transition_table_the_services_use():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert as_markdown() in readme
