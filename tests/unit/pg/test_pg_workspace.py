"""Opening a team workspace: the switch, the schema versions, one-sentence failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from credit_helpers import make_settings

from clay_tui.cli.main import cli
from clay_tui.config import load_settings
from clay_tui.errors import ConfigError
from clay_tui.workspace import Workspace
from clay_tui.workspace.backend import has_table
from clay_tui.workspace.migrations import applied
from clay_tui.workspace.pg import PgWorkspace, qmark_to_pyformat

URL = "postgresql://ann@db.example:5432/team"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_url_names_a_team_workspace_a_path_a_folder(tmp_path: Path, monkeypatch) -> None:
    assert load_settings(None, URL).workspace_url == URL  # --workspace
    assert load_settings(None, str(tmp_path / "ws")).workspace_url is None
    assert load_settings(None, str(tmp_path / "ws")).workspace == tmp_path / "ws"
    monkeypatch.setenv("CLAY_TUI_WORKSPACE", URL)
    assert load_settings().workspace_url == URL
    monkeypatch.delenv("CLAY_TUI_WORKSPACE")
    config = tmp_path / "config.toml"
    config.write_text(f'[workspace]\nurl = "{URL}"\n')
    assert load_settings(config).workspace_url == URL


def test_another_scheme_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^The workspace mysql://\.\.\. is not a folder"):
        load_settings(None, "mysql://ann@db/team")
    result = CliRunner().invoke(cli, ["--workspace", "mysql://ann@db/team", "credits"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_an_unreachable_server_is_one_sentence_without_the_password(pg_server) -> None:
    dead = f"postgresql://ann:s3cret@127.0.0.1:{pg_server.port + 1}/team"
    result = CliRunner().invoke(cli, ["--workspace", dead, "credits"])
    assert result.exit_code == 2
    assert "Cannot open the team workspace postgresql://ann@127.0.0.1" in result.output
    assert "s3cret" not in result.output and result.output.count("\n") == 1


def test_placeholders_are_translated_outside_quotes_only() -> None:
    sql = "SELECT ? , '?', \"a?\" FROM t WHERE k LIKE 'repair:%' AND v = ?"
    assert qmark_to_pyformat(sql) == (
        "SELECT %s , '?', \"a?\" FROM t WHERE k LIKE 'repair:%%' AND v = %s"
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_workspace_init_applies_each_version_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = request.getfixturevalue("pg_url") if backend == "postgresql" else str(tmp_path / "w")
    first = run("workspace", "init", target)
    assert first.exit_code == 0
    assert "applied credits v1: ledger and plan state" in first.output
    assert "applied credits v2: holds carry host and lease" in first.output
    assert "applied credits v3: members and monthly limits" in first.output
    assert "at credits v3." in first.output
    again = run("workspace", "init", target)
    assert again.output.startswith("Already up to date.")
    with Workspace.open(load_settings(None, target)) as ws:
        assert isinstance(ws, PgWorkspace) == (backend == "postgresql")
        assert applied(ws, "credits") == {1, 2, 3}
        assert has_table(ws.db, "ledger")


def test_a_folder_from_before_migrations_adopts_version_1(tmp_path: Path) -> None:
    """A workspace.db made before schema_migrations existed keeps its ledger and gets v2."""
    import sqlite3

    from clay_tui.credits.schema import SCHEMA

    (tmp_path / "w").mkdir()
    db = sqlite3.connect(tmp_path / "w" / "workspace.db")
    db.executescript(SCHEMA)
    db.execute(
        "INSERT INTO ledger (at, kind, amount, bucket, key) VALUES ('x', 'purchase', 5,"
        " 'purchased', 'old')"
    )
    db.commit()
    db.close()
    result = run("workspace", "init", str(tmp_path / "w"))
    assert "applied credits v1" in result.output and "applied credits v2" in result.output
    with Workspace.open(make_settings(tmp_path / "w")) as ws:
        row = ws.db.execute("SELECT amount, host, member FROM ledger WHERE key = 'old'")
        assert tuple(row.fetchone()) == (5, None, None)


def test_a_database_failure_mid_verb_is_one_sentence(pg_url: str, monkeypatch) -> None:
    """The server going away (or refusing a statement) while a verb runs: one stderr line,
    exit 2, never a traceback."""
    import psycopg

    from clay_tui.services import tables

    def gone(ws):  # noqa: ANN001, ANN202
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tables, "list_tables", gone)
    result = CliRunner().invoke(cli, ["--workspace", pg_url, "tables"])
    assert result.exit_code == 2, result.output
    assert result.output == (
        "clay-tui: The team workspace's database failed (server closed the connection"
        " unexpectedly): what was committed is kept; try again.\n"
    )


def test_workspace_repair_on_a_team_workspace_is_one_sentence(pg_url: str) -> None:
    """It rebuilds a folder's workspace.db: on a team workspace it says so, and never looks at
    (or calls healthy) whatever folder the defaults name."""
    result = CliRunner().invoke(cli, ["--workspace", pg_url, "workspace", "repair", "--yes"])
    assert result.exit_code == 2
    assert result.output.startswith("clay-tui: workspace repair rebuilds a folder's workspace.db")
    assert "credits verify" in result.output and result.output.count("\n") == 1
