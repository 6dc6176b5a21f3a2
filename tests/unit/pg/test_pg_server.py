"""The throwaway PostgreSQL server the suite starts for itself."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from pgserver import PostgresUnavailable, find_bin_dir


def test_the_server_answers_on_loopback_with_a_fresh_database(pg_server, pg_url: str) -> None:
    assert pg_url.startswith(f"postgresql://clay_test@127.0.0.1:{pg_server.port}/")
    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        tables = conn.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
        listen = conn.execute("SHOW listen_addresses").fetchone()[0]
    assert int(version) >= 150000
    assert tables == 0
    assert listen == "127.0.0.1"
    assert pg_server.data_dir.is_dir() and pg_server.socket_dir.is_dir()


def test_each_test_gets_its_own_database(pg_server) -> None:
    assert pg_server.create_database() != pg_server.create_database()


def test_missing_binaries_fail_with_one_sentence_naming_them(tmp_path: Path) -> None:
    (tmp_path / "initdb").write_text("#!/bin/sh\n")
    (tmp_path / "initdb").chmod(0o755)
    with pytest.raises(PostgresUnavailable) as err:
        find_bin_dir(path=str(tmp_path), globs=(str(tmp_path / "nowhere-*"),))
    message = str(err.value)
    assert "pg_ctl, postgres missing" in message and "initdb" not in message.split("(")[1][:20]
    assert message.count(". ") == 0 and message.endswith(".")


def test_install_folders_are_searched_when_path_has_none(tmp_path: Path) -> None:
    for version in ("13", "15"):
        folder = tmp_path / version / "bin"
        folder.mkdir(parents=True)
        for name in ("initdb", "pg_ctl", "postgres"):
            (folder / name).write_text("#!/bin/sh\n")
            (folder / name).chmod(0o755)
    assert find_bin_dir(path="", globs=(str(tmp_path / "*" / "bin"),)) == tmp_path / "15" / "bin"
