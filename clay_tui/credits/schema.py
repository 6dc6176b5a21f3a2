"""The credit tables: an append-only ledger and the plan's renewal state, on SQLite
(workspace.db) and on PostgreSQL (a team workspace) from one text."""

from __future__ import annotations

from clay_tui.workspace.backend import POSTGRESQL, SQLITE
from clay_tui.workspace.migrations import Migration

SCHEMA_NAME = "credits"

KINDS = (
    "grant",
    "forfeit",
    "expire",
    "purchase",
    "reserve",
    "capture",
    "release",
    "refund",
    "adjustment",
)
SPEND_KINDS = ("reserve", "capture", "release", "refund")

# The credit tables, written once for both back ends: ``{pk}`` is the dialect's id column
# (SQLite's rowid alias, PostgreSQL's identity), ``{ref}`` a column holding such an id; ``end``
# is a reserved word on PostgreSQL, so it is always quoted (SQLite accepts that too).
_TABLES = """
CREATE TABLE IF NOT EXISTS ledger (
    id        {pk},
    at        TEXT    NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('grant','forfeit','expire','purchase','reserve',
                                               'capture','release','refund','adjustment')),
    amount    INTEGER NOT NULL,
    bucket    TEXT    NOT NULL CHECK (bucket IN ('plan','purchased')),
    part      INTEGER NOT NULL DEFAULT 0,   -- 1: the purchased-bucket half of a split reservation
    ref_id    {ref} REFERENCES ledger(id),  -- the hold settled / capture refunded
    table_id  {ref},
    column_id {ref},
    row_id    {ref},
    provider  TEXT,
    run_id    {ref},
    action    TEXT,
    pid       INTEGER,                      -- process that made a reservation (crash recovery)
    key       TEXT    NOT NULL UNIQUE,      -- idempotency key
    note      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS ledger_ref ON ledger(ref_id);
CREATE INDEX IF NOT EXISTS ledger_run ON ledger(run_id, id);
CREATE INDEX IF NOT EXISTS ledger_column ON ledger(table_id, column_id, id);
CREATE INDEX IF NOT EXISTS ledger_table ON ledger(table_id, id);
CREATE INDEX IF NOT EXISTS ledger_kind_at ON ledger(kind, at);
{append_only}
CREATE TABLE IF NOT EXISTS credit_plan_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    name         TEXT    NOT NULL,
    monthly      INTEGER NOT NULL,
    billing      TEXT    NOT NULL,
    anchor       TEXT    NOT NULL,   -- the date this plan's periods are counted from
    period_start TEXT    NOT NULL,   -- the current period
    next_renewal TEXT    NOT NULL,   -- first day of the next period (midnight UTC)
    created_at   TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS credit_plan_changes (
    id           {pk},
    requested_at TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    monthly      INTEGER NOT NULL,
    billing      TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending','applied','cancelled','superseded')),
    applied_at   TEXT
);
CREATE TABLE IF NOT EXISTS credit_periods (
    start      TEXT PRIMARY KEY,
    "end"      TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    monthly    INTEGER NOT NULL,
    billing    TEXT    NOT NULL,
    granted    INTEGER NOT NULL,
    forfeited  INTEGER NOT NULL,
    expired    INTEGER NOT NULL,
    applied_at TEXT    NOT NULL
);
"""
# The ledger is append-only: in each dialect's words.
_SQLITE_APPEND_ONLY = """CREATE TRIGGER IF NOT EXISTS ledger_append_only_u BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_append_only_d BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"""
_PG_APPEND_ONLY = """CREATE OR REPLACE FUNCTION ledger_append_only()
    RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END $$;
DROP TRIGGER IF EXISTS ledger_append_only_u ON ledger;
CREATE TRIGGER ledger_append_only_u BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
DROP TRIGGER IF EXISTS ledger_append_only_t ON ledger;
CREATE TRIGGER ledger_append_only_t BEFORE TRUNCATE ON ledger
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();"""
SCHEMA = _TABLES.format(pk=SQLITE.serial_pk, ref="INTEGER", append_only=_SQLITE_APPEND_ONLY)
PG_SCHEMA = _TABLES.format(pk=POSTGRESQL.serial_pk, ref="BIGINT ", append_only=_PG_APPEND_ONLY)


_MEMBERS = """
CREATE TABLE IF NOT EXISTS members (
    name          TEXT    PRIMARY KEY,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'member')),
    monthly_limit INTEGER,            -- credits per calendar month (UTC); NULL: no limit
    added_at      TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_member_at ON ledger(member, at);
"""

# Versioned: version 1 is the baseline above (a folder made before migrations adopts it as is).
MIGRATIONS = (
    Migration(SCHEMA_NAME, 1, "ledger and plan state", SCHEMA, PG_SCHEMA),
    # a hold names the machine that made it and until when it may stay open unseen, so a
    # crashed machine's holds are released by whoever runs `credits verify` next (a pid
    # means nothing on another machine); every entry names the member who made it
    Migration(
        SCHEMA_NAME,
        2,
        "holds carry host and lease; entries carry member",
        "ALTER TABLE ledger ADD COLUMN host TEXT;\n"
        "ALTER TABLE ledger ADD COLUMN lease_until TEXT;\n"
        "ALTER TABLE ledger ADD COLUMN member TEXT;\n",
        "ALTER TABLE ledger ADD COLUMN IF NOT EXISTS host TEXT,"
        " ADD COLUMN IF NOT EXISTS lease_until TEXT, ADD COLUMN IF NOT EXISTS member TEXT;",
    ),
    Migration(SCHEMA_NAME, 3, "members and monthly limits", _MEMBERS, _MEMBERS),
)
