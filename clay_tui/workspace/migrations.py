"""Versioned schema migrations, for both back ends.

Each subsystem (credits, enrich, tables...) owns an ordered list of ``Migration``s; a
workspace records the ones it has applied in ``schema_migrations`` and applies the others, in
order, inside one write transaction (so two processes opening a new workspace at once apply
each migration once). Version 1 of a subsystem is its ``CREATE ... IF NOT EXISTS`` baseline,
so a folder workspace made before migrations existed adopts it without change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clay_tui.clock import iso
from clay_tui.workspace.backend import POSTGRESQL, has_table
from clay_tui.workspace.workspace import Workspace, _statements

TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    subsystem  TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL,
    PRIMARY KEY (subsystem, version)
)"""


@dataclass(frozen=True)
class Migration:
    subsystem: str
    version: int
    name: str
    sqlite: str
    postgresql: str

    def script(self, dialect_name: str) -> str:
        return self.postgresql if dialect_name == POSTGRESQL.name else self.sqlite


def applied(ws: Workspace, subsystem: str) -> set[int]:
    if not has_table(ws.db, "schema_migrations"):
        return set()
    rows = ws.db.execute(
        "SELECT version FROM schema_migrations WHERE subsystem = ?", (subsystem,)
    ).fetchall()
    return {int(r[0]) for r in rows}


def migrate(ws: Workspace, migrations: Sequence[Migration]) -> list[Migration]:
    """Apply the migrations ``ws`` lacks, in version order; returns those applied."""
    if not migrations:
        return []
    subsystem = migrations[0].subsystem
    versions = [m.version for m in migrations]
    if versions != sorted(set(versions)) or any(m.subsystem != subsystem for m in migrations):
        raise ValueError(f"{subsystem} migrations must be one subsystem's, in version order")
    if set(versions) <= applied(ws, subsystem):
        return []  # the common case: a read, no write lock
    done: list[Migration] = []
    with ws.transaction() as db:
        db.execute(TABLE)
        have = applied(ws, subsystem)  # again, under the write lock
        for m in migrations:
            if m.version in have:
                continue
            script = m.script(ws.dialect.name)
            if ws.dialect is POSTGRESQL:
                db.executescript(script)  # one simple query; DDL is transactional here
            else:
                for statement in _statements(script):  # executescript() would COMMIT
                    db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (subsystem, version, name, applied_at)"
                " VALUES (?, ?, ?, ?)",
                (subsystem, m.version, m.name, iso(ws.clock.now())),
            )
            done.append(m)
    return done


def sqlite_head_script(migrations: Sequence[Migration]) -> str:
    """One SQLite script that builds a subsystem at its latest version *and records it*, for a
    database made from scratch beside a damaged one (``workspace repair``): its migrations
    then have nothing left to apply."""
    parts = [m.sqlite.rstrip().rstrip(";") + ";" for m in migrations]
    parts.append(TABLE + ";")
    for m in migrations:
        name = m.name.replace("'", "''")
        parts.append(
            "INSERT OR IGNORE INTO schema_migrations (subsystem, version, name, applied_at)"
            f" VALUES ('{m.subsystem}', {m.version}, '{name}', 'repair');"
        )
    return "\n".join(parts) + "\n"
