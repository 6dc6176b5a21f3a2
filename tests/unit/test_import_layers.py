"""The import contracts in pyproject.toml ([tool.importlinter]) hold: one-way layers, and the
sandbox apart from the client. ``lint-imports`` counts imports inside functions too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_workspace_keeps_one_ledger_and_one_table_cache(workspace) -> None:
    """The per-workspace objects live in the workspace (made once), not stuck on by setattr."""
    from clay_tui.credits.ledger import ledger_for
    from clay_tui.services import credits as credits_svc
    from clay_tui.services import tables as table_svc

    before = set(vars(workspace))
    ledger = ledger_for(workspace)
    assert credits_svc.ledger_for(workspace) is ledger is ledger_for(workspace)
    assert table_svc._cache(workspace) is table_svc._cache(workspace)
    assert set(vars(workspace)) == before
    made = []
    assert workspace.shared("x", lambda: made.append(1) or "one") == "one"
    assert workspace.shared("x", lambda: made.append(1) or "two") == "one"
    assert made == [1]


def test_services_hand_the_sandbox_address_to_the_providers(sandbox_settings) -> None:
    """Providers in sandbox mode ask the starter services installed; they never import it."""
    import clay_tui.services as services
    from clay_tui.errors import ProviderError
    from clay_tui.providers import sandbox_link
    from clay_tui.providers.registry import Providers

    asked = []
    try:
        sandbox_link.use_sandbox(lambda settings: asked.append(settings) or "http://sb.invalid")
        assert Providers(sandbox_settings).sandbox_url == "http://sb.invalid"
        assert asked == [sandbox_settings]
        sandbox_link.use_sandbox(None)
        with pytest.raises(ProviderError, match="sandbox"):
            Providers(sandbox_settings).sandbox_url  # noqa: B018
    finally:
        sandbox_link.use_sandbox(services._start_sandbox)
