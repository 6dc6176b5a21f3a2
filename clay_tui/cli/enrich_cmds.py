"""CLI verbs: filled in by the issue that owns them."""

from __future__ import annotations

from clay_tui.cli.main import cli  # noqa: F401
