"""A throwaway PostgreSQL server for the test suite: its own data directory, port and socket.

The binaries come from the OS packages (``initdb``, ``pg_ctl``, ``postgres`` on PATH or under
``/usr/lib/postgresql/<version>/bin`` and the other usual install folders). The server is small
(low shared_buffers, few connections) and unsafe on purpose (fsync off): it is thrown away.
Nothing here skips: a test that needs PostgreSQL and cannot have it fails with one sentence.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

BINARIES = ("initdb", "pg_ctl", "postgres")
SEARCH_GLOBS = (
    "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
    "/usr/pgsql-*/bin",  # RHEL, Fedora (PGDG)
    "/usr/local/pgsql/bin",  # built from source
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
)


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be found or started; the message is one sentence naming what is missing."""


def _version_key(folder: str) -> tuple[int, ...]:
    digits = [int(p) for p in "".join(c if c.isdigit() else " " for c in folder).split()]
    return tuple(digits) or (0,)


def find_bin_dir(path: str | None = None, globs: tuple[str, ...] = SEARCH_GLOBS) -> Path:
    """The folder holding all of initdb, pg_ctl and postgres: PATH first, then install folders
    (newest version first)."""
    found = [shutil.which(name, path=path) for name in BINARIES]
    if all(found):
        folders = {Path(os.path.realpath(f)).parent for f in found if f}
        if len(folders) == 1:
            return folders.pop()
        return Path(found[0]).parent if found[0] else folders.pop()  # pragma: no cover
    candidates: list[str] = []
    for pattern in globs:
        candidates.extend(glob.glob(pattern))
    for folder in sorted(candidates, key=_version_key, reverse=True):
        if all(os.access(Path(folder, name), os.X_OK) for name in BINARIES):
            return Path(folder)
    missing = [name for name, f in zip(BINARIES, found, strict=True) if not f]
    raise PostgresUnavailable(
        f"PostgreSQL server binaries not found ({', '.join(missing)} missing from PATH and from "
        f"{', '.join(globs)}): install postgresql-15 (apt-get install postgresql-15) or put its "
        "bin folder on PATH."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """One running throwaway server; ``url(db)`` names a database on it."""

    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    port: int
    user: str = "clay_test"  # the superuser initdb creates (trust auth on loopback only)
    run_as: str | None = None  # the OS user the server runs as (PostgreSQL refuses root)
    _shared_db: str = ""
    durable: bool = False  # fsync on (benchmarks); tests throw the server away, so no fsync

    @property
    def base_url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}"

    def url(self, db: str = "postgres") -> str:
        return f"{self.base_url}/{db}"

    def create_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; returns its URL (about a second: see ``create_schema``)."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def create_schema(self, prefix: str = "t") -> str:
        """A fresh, empty schema in the shared ``clay`` database, made the URL's search path:
        a new workspace in milliseconds. (Advisory locks are per database, so workspaces made
        this way share one write lock: correct, only less concurrent.)"""
        import psycopg

        if not self._shared_db:
            self._shared_db = self.create_database("clay")
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self._shared_db, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{self._shared_db}?options=-csearch_path%3D{name}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=timeout,
            user=self.run_as,
            group=self.run_as and _group_of(self.run_as),
            extra_groups=[] if self.run_as else None,
            cwd=self.data_dir.parent,
        )

    def start(self) -> None:
        initdb = self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.user,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        if initdb.returncode != 0:
            raise PostgresUnavailable(
                f"initdb could not create a data directory in {self.data_dir}: "
                f"{_last_line(initdb.stderr)}."
            )
        options = " ".join(
            (
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.socket_dir}",
                "-c shared_buffers=16MB",
                "-c max_connections=60",
                *(
                    ()
                    if self.durable
                    else ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")
                ),
                "-c max_wal_size=256MB",
                "-c log_min_messages=warning",
            )
        )
        log = self.data_dir.parent / "postgres.log"
        started = self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        if started.returncode != 0:
            tail = log.read_text(errors="replace") if log.exists() else started.stderr
            raise PostgresUnavailable(
                f"PostgreSQL did not start on 127.0.0.1:{self.port}: {_last_line(tail)}."
            )

    def stop(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1].rstrip(".") if lines else "no message"


def _group_of(user: str) -> int:
    return pwd.getpwnam(user).pw_gid


def start_server(base: Path, *, durable: bool = False) -> PgServer:
    """Find the binaries, init a data directory in the new folder ``base`` and start a server on
    a free loopback port. PostgreSQL refuses to run as root: then the server runs as ``nobody``
    (``base`` is then handed to it, so it must not sit under a folder only root can enter)."""
    bin_dir = find_bin_dir()
    base.mkdir(parents=True)
    run_as = None
    if os.geteuid() == 0:
        run_as = "nobody"
        try:
            entry = pwd.getpwnam(run_as)
        except KeyError:
            raise PostgresUnavailable(
                "PostgreSQL refuses to run as root and this machine has no 'nobody' user to run "
                "it as."
            ) from None
        os.chown(base, entry.pw_uid, entry.pw_gid)
    server = PgServer(
        bin_dir, base / "data", base / "sock", free_port(), run_as=run_as, durable=durable
    )
    if run_as:
        subprocess.run(["true"], user=run_as, check=True)  # fails early if we cannot switch
    _mkdir_as(server.socket_dir, run_as)
    server.start()
    return server


def _mkdir_as(path: Path, user: str | None) -> None:
    path.mkdir()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
