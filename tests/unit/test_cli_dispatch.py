"""`clay-tui FILE` means `clay-tui open FILE`, wherever the global options stand."""

from __future__ import annotations

import pytest

from clay_tui.cli.main import _first_positional


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["leads.csv"], 0),
        (["--workspace", "/tmp/w", "leads.csv"], 2),
        (["--config", "c.toml", "--workspace", "w", "t"], 4),
        (["--workspace", "w"], None),
        (["--version"], None),
        (["--", "-odd.csv"], 1),
        ([], None),
    ],
)
def test_first_positional_skips_option_values(args: list[str], expected: int | None) -> None:
    assert _first_positional(args) == expected
