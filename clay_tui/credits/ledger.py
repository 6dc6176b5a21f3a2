"""The credit ledger: every change of balance is one append-only row; the balance is their sum.

Accounting (all amounts are signed ints; the sum of every entry is what can be spent):

- ``grant`` / ``purchase`` / ``refund``: positive, into the plan or purchased bucket.
- ``forfeit`` (over the rollover cap) / ``expire`` (end of an annual term): negative, plan bucket.
- ``reserve``: ``-max``, a *hold*. Spending takes plan credits first, so a reservation that
  needs both buckets is two rows: part 0 (plan, key ``K``) and part 1 (purchased, key
  ``K/purchased``, ``ref_id`` = part 0).
- settling a hold returns it with a ``release`` row of ``+held`` per part (key
  ``<part key>:settle``, ``ref_id`` = the part). The key is UNIQUE, so a hold is settled
  once: by a capture or by a release, never both.
- ``capture``: written together with the settling release: ``-actual`` per part
  (plan part first), key ``C`` (``C/purchased`` for the second part), ``ref_id`` = the part.
  Net effect of reserve + capture: ``-actual``.
- ``refund``: ``+captured`` per capture part, key ``<capture part key>:refund``.

So ``available`` = SUM(amount) never counts held credits; ``reserved`` = -(SUM reserve +
SUM release) = the holds not yet settled; each bucket *owns* its free sum plus its holds.
Entries are never updated or deleted (triggers refuse it), so running totals stay exact
reading only rows with a higher id. Reservations need them (the free sums and the cap
scopes, on every paid call): totals of committed rows are kept, and inside a transaction a
copy that also counts its rows replaces them when it commits and is dropped on a ROLLBACK
(``Workspace.on_transaction_end``). On PostgreSQL too ids become visible in id order: every
write takes the workspace's advisory lock before its insert and holds it until its commit
is visible (workspace/backend.py). After each commit that wrote entries, the workspace's
:class:`~clay_tui.credits.feed.CreditFeed` tells its listeners (the status bar, ...).

Every method joins an open ``ws.transaction()`` (the engine batches many captures with
its cell writes in one commit) or opens its own.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from clay_tui.clock import iso
from clay_tui.credits import members, plans
from clay_tui.credits.feed import feed_for
from clay_tui.credits.schema import MIGRATIONS, SPEND_KINDS
from clay_tui.credits.types import Balance, Caps, Reservation, SpendContext
from clay_tui.errors import ClayError, InsufficientCredits
from clay_tui.processes import this_host
from clay_tui.workspace import Workspace
from clay_tui.workspace.migrations import migrate

PURCHASED_SUFFIX = "/purchased"
# how long a hold made on another machine counts as live without its process to ask
HOLD_LEASE = timedelta(minutes=15)
MAX_PURCHASE = 10_000_000


class LedgerError(ClayError):
    """A ledger call that cannot be honoured (e.g. capturing a reservation already released)."""


_INSERT = (
    "INSERT INTO ledger (at, kind, amount, bucket, part, ref_id, table_id, column_id, row_id,"
    " provider, run_id, action, pid, key, note, host, lease_until, member)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id"
)
_SPEND_IN = "kind IN ('reserve','capture','release','refund')"


def _ctx_values(ctx: SpendContext | None) -> tuple[Any, ...]:
    if ctx is None:
        return (None, None, None, None, None, None)
    return (ctx.table_id, ctx.column_id, ctx.row_id, ctx.provider, ctx.run_id, ctx.action)


def context_of(row: sqlite3.Row) -> SpendContext:
    return SpendContext(
        row["table_id"],
        row["column_id"],
        row["row_id"],
        row["provider"],
        row["run_id"],
        row["action"],
    )


def ledger_for(ws: Workspace) -> Ledger:
    """The workspace's ledger: one per open workspace, kept by the workspace itself."""
    return ws.shared("ledger", lambda: Ledger(ws))


@dataclass
class _Totals:
    """SUM(amount) per (bucket, kind) and per cap scope, over the rows with id <= ``last``
    (scopes: key -> (their own last id, total))."""

    sums: dict[tuple[str, str], int] = field(default_factory=dict)
    last: int = 0
    scopes: dict[tuple[Any, ...], tuple[int, int]] = field(default_factory=dict)

    def copy(self) -> _Totals:
        return _Totals(dict(self.sums), self.last, dict(self.scopes))


class Ledger:
    """Reserve, capture, release and refund credits; grants, renewals and purchases."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.feed = feed_for(ws)
        self._ensure_schema()
        self._lock = ws.lock
        self._done = _Totals()  # committed rows only
        self._open: _Totals | None = None  # those + the open transaction's, until it ends
        self._rolled_back = False
        self._next_renewal: str | None = None
        self._plan_seen: tuple[Any, ...] | None = None
        self.renew()

    def _ensure_schema(self) -> None:
        # versioned, for both back ends; inside a caller's transaction it joins it (and a
        # rollback takes the tables and their version rows away together: see _totals)
        migrate(self.ws, MIGRATIONS)

    # ------------------------------------------------------------ reading
    @property
    def db(self) -> sqlite3.Connection:
        return self.ws.db

    def now(self) -> str:
        return iso(self.ws.clock.now())

    def _totals(self) -> _Totals:
        """The totals to read and extend (call holding the lock): the committed ones, or in a
        transaction its own copy, kept if it commits."""
        if self._rolled_back:  # the tables may have gone with it, if made inside it
            self._rolled_back = False
            self._ensure_schema()
        if not self.ws.in_transaction:
            return self._done
        if self._open is None:
            self._open = self._done.copy()
            self.ws.on_transaction_end(self._ended)
        return self._open

    def _ended(self, committed: bool) -> None:
        if committed:
            self._done = self._open or self._done
        else:  # what that transaction counted, and the plan state it saw, are gone
            self._next_renewal = self._plan_seen = None
            self._rolled_back = True
        self._open = None

    def sums(self) -> dict[tuple[str, str], int]:
        """SUM(amount) per (bucket, kind), exact, reading only rows added since the last call."""
        with self._lock:
            totals = self._totals()
            rows = self.db.execute(
                "SELECT bucket, kind, SUM(amount), MAX(id) FROM ledger WHERE id > ?"
                " GROUP BY bucket, kind",
                (totals.last,),
            ).fetchall()
            for bucket, kind, total, max_id in rows:
                totals.sums[(bucket, kind)] = totals.sums.get((bucket, kind), 0) + total
                totals.last = max(totals.last, max_id)
            return dict(totals.sums)

    def balance(self) -> Balance:
        self.renew()
        return balance_from_sums(self.sums())

    def free(self) -> tuple[int, int]:
        """Spendable (plan, purchased): each bucket's sum of entries."""
        s = self.sums()
        return (
            sum(v for (b, _), v in s.items() if b == "plan"),
            sum(v for (b, _), v in s.items() if b == "purchased"),
        )

    # ------------------------------------------------------------ writing
    def insert(
        self,
        kind: str,
        amount: int,
        bucket: str,
        key: str,
        *,
        note: str = "",
        part: int = 0,
        ref_id: int | None = None,
        context: SpendContext | None = None,
        pid: int | None = None,
    ) -> int:
        """Append one entry (inside a transaction the caller holds); a hold (``pid`` given)
        also names this host and its lease."""
        now = self.ws.clock.now()
        host, lease = (this_host(), iso(now + HOLD_LEASE)) if pid is not None else (None, None)
        cur = self.db.execute(
            _INSERT,
            (
                *(iso(now), kind, amount, bucket, part, ref_id, *_ctx_values(context), pid),
                *(key, note, host, lease, self.ws.settings.user or None),
            ),
        )
        self.feed.wrote()
        return int(cur.fetchone()[0])

    def entry_id(self, key: str) -> int | None:
        row = self.db.execute("SELECT id FROM ledger WHERE key = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def renew(self) -> None:
        """Apply plan changes and renewals that are due (cheap when none is)."""
        plan = self.ws.settings.plan
        seen = (plan.name, plan.monthly_credits, plan.billing)
        with self._lock:
            self._totals()  # (after a rollback, the schema first)
            due = self._next_renewal is None or self.now() >= self._next_renewal
            if seen == self._plan_seen and not due:
                return
            with self.ws.transaction():
                self._totals()  # forget what follows if this transaction rolls back
                self._next_renewal = self.feed.renewal_due_at = plans.apply(self)
                self._plan_seen = seen

    def grant(self, amount: int, key: str, note: str = "") -> int:
        """A one-off grant into the plan bucket (trial, goodwill), idempotent by key."""
        with self.ws.transaction():
            return self.entry_id(key) or self.insert("grant", amount, "plan", key, note=note)

    def adjust(self, amount: int, bucket: str, key: str, note: str) -> int:
        """A manual correction; refused if it would make the bucket negative."""
        with self.ws.transaction():
            found = self.entry_id(key)
            if found:
                return found
            plan_free, purch_free = self.free()
            if (plan_free if bucket == "plan" else purch_free) + amount < 0:
                raise LedgerError(
                    f"An adjustment of {amount} would make the {bucket} bucket negative."
                )
            return self.insert("adjustment", amount, bucket, key, note=note)

    def purchase(self, amount: int, key: str | None = None, note: str = "") -> int:
        """Buy ``amount`` credits into the purchased bucket (never expires, never capped)."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise LedgerError(f"Credits to buy must be a positive whole number, not {amount!r}.")
        if amount > MAX_PURCHASE:
            raise LedgerError(f"Buy at most {MAX_PURCHASE:,} credits at a time.")
        with self.ws.transaction():
            self.renew()
            key = key or f"purchase:{uuid.uuid4().hex}"
            found = self.entry_id(key)
            if found:
                return found
            return self.insert(
                "purchase", amount, "purchased", key, note=note or f"bought {amount} credits"
            )

    # ------------------------------------------------------------ spend API
    def find_reservation(self, key: str) -> Reservation | None:
        """The reservation made under ``key`` (open or settled), or None."""
        rows = self.db.execute(
            "SELECT * FROM ledger WHERE key IN (?, ?) AND kind = 'reserve' ORDER BY part",
            (key, key + PURCHASED_SUFFIX),
        ).fetchall()
        if not rows or rows[0]["key"] != key:
            return None
        return Reservation(
            id=rows[0]["id"],
            key=key,
            amount=-sum(r["amount"] for r in rows),
            context=context_of(rows[0]),
        )

    def reserve(
        self, amount: int, key: str, *, context: SpendContext, caps: Caps | None = None
    ) -> Reservation:
        """Hold ``amount`` credits before a paid call; InsufficientCredits if it cannot."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ValueError(f"reservation amount must be a non-negative int, not {amount!r}")
        with self.ws.transaction():
            found = self.find_reservation(key)
            if found is not None:
                return found
            self.renew()
            if caps is not None:
                self._check_caps(amount, context, caps)
            members.check_limit(self.ws, amount)  # the acting member's monthly limit
            plan_free, purch_free = self.free()
            if amount > plan_free + purch_free:
                raise InsufficientCredits(
                    f"Not enough credits: this needs {amount} and {plan_free + purch_free} "
                    "are available.",
                    cap=None,
                )
            from_plan = min(amount, plan_free)
            from_purchased = amount - from_plan
            pid = os.getpid()
            if from_plan or not from_purchased:
                first = self.insert("reserve", -from_plan, "plan", key, context=context, pid=pid)
                if from_purchased:
                    self.insert(
                        "reserve",
                        -from_purchased,
                        "purchased",
                        key + PURCHASED_SUFFIX,
                        part=1,
                        ref_id=first,
                        context=context,
                        pid=pid,
                    )
            else:
                first = self.insert(
                    "reserve", -from_purchased, "purchased", key, context=context, pid=pid
                )
            return Reservation(id=first, key=key, amount=amount, context=context)

    def _parts(self, reservation: Reservation) -> list[sqlite3.Row]:
        rows = self.db.execute(
            "SELECT r.id, r.amount, r.bucket, r.key, r.part,"
            " (SELECT s.kind FROM ledger s WHERE s.key = r.key || ':settle') AS settled,"
            " (SELECT c.id FROM ledger c WHERE c.ref_id = r.id AND c.kind = 'capture')"
            " AS capture_id"
            " FROM ledger r WHERE r.key IN (?, ?) AND r.kind = 'reserve' ORDER BY r.part",
            (reservation.key, reservation.key + PURCHASED_SUFFIX),
        ).fetchall()
        if not rows:
            raise LedgerError(f"No reservation with key {reservation.key!r} in this workspace.")
        return rows

    def capture(self, reservation: Reservation, actual: int, key: str | None = None) -> int:
        """Charge ``actual`` (0..amount) against the hold and settle it; returns the capture id."""
        if (
            isinstance(actual, bool)
            or not isinstance(actual, int)
            or not 0 <= actual <= reservation.amount
        ):
            raise ValueError(f"capture must be between 0 and {reservation.amount}, not {actual!r}")
        key = key or f"{reservation.key}:capture"
        with self.ws.transaction():
            found = self.entry_id(key)
            if found:
                return found
            parts = self._parts(reservation)
            if parts[0]["settled"]:
                if parts[0]["capture_id"] is not None:
                    return int(parts[0]["capture_id"])
                raise LedgerError(
                    f"Reservation {reservation.key!r} was already released, "
                    "so it cannot be charged."
                )
            remaining = actual
            first = 0
            for part in parts:
                held = -part["amount"]
                take = min(remaining, held)
                remaining -= take
                self.insert(
                    "release",
                    held,
                    part["bucket"],
                    part["key"] + ":settle",
                    part=part["part"],
                    ref_id=part["id"],
                    context=reservation.context,
                    note="hold settled by capture",
                )
                if part["part"] == 0 or take:
                    cid = self.insert(
                        "capture",
                        -take,
                        part["bucket"],
                        key if part["part"] == 0 else key + PURCHASED_SUFFIX,
                        part=part["part"],
                        ref_id=part["id"],
                        context=reservation.context,
                    )
                    first = first or cid
            return first

    def release(self, reservation: Reservation, reason: str = "") -> None:
        """Give an unused hold back (idempotent; a captured hold stays captured)."""
        with self.ws.transaction():
            for part in self._parts(reservation):
                if part["settled"]:
                    continue
                self.insert(
                    "release",
                    -part["amount"],
                    part["bucket"],
                    part["key"] + ":settle",
                    part=part["part"],
                    ref_id=part["id"],
                    context=reservation.context,
                    note=reason or "released",
                )

    def refund(self, capture_key: str, reason: str) -> None:
        """Give back what a capture charged (idempotent; to the bucket it came from)."""
        with self.ws.transaction():
            rows = self.db.execute(
                "SELECT * FROM ledger WHERE key IN (?, ?) AND kind = 'capture'",
                (capture_key, capture_key + PURCHASED_SUFFIX),
            ).fetchall()
            if not rows:
                raise LedgerError(f"No capture with key {capture_key!r} to refund.")
            for row in rows:
                if row["amount"] == 0 or self.entry_id(row["key"] + ":refund"):
                    continue
                self.insert(
                    "refund",
                    -row["amount"],
                    row["bucket"],
                    row["key"] + ":refund",
                    part=row["part"],
                    ref_id=row["id"],
                    context=context_of(row),
                    note=reason,
                )

    # ------------------------------------------------------------ caps
    def committed(self, scope: str, ident: tuple[Any, ...]) -> int:
        """Credits held or spent (net of refunds) by a run, column or table."""
        where = {
            "run": "run_id = ?",
            "column": "table_id = ? AND column_id = ?",
            "table": "table_id = ?",
        }[scope]
        with self._lock:
            scopes = self._totals().scopes
            last, base = scopes.get((scope, *ident), (0, 0))
            total, top = self.db.execute(
                f"SELECT COALESCE(SUM(amount), 0), MAX(id) FROM ledger WHERE {where} AND id > ?"
                f" AND {_SPEND_IN}",
                (*ident, last),
            ).fetchone()
            value = base - total
            if top is not None:
                if len(scopes) > 4096:
                    scopes.clear()
                scopes[(scope, *ident)] = (top, value)
            return value

    def _check_caps(self, amount: int, ctx: SpendContext, caps: Caps) -> None:
        checks: list[tuple[str, int | None, tuple[Any, ...] | None, str]] = [
            (
                "run",
                caps.run_max,
                (ctx.run_id,) if ctx.run_id is not None else None,
                "this run's maximum",
            ),
            (
                "column",
                caps.column_limit,
                (ctx.table_id, ctx.column_id)
                if ctx.table_id is not None and ctx.column_id is not None
                else None,
                "the column's spend limit",
            ),
            (
                "table",
                caps.table_limit,
                (ctx.table_id,) if ctx.table_id is not None else None,
                "the table's spend limit",
            ),
        ]
        for scope, limit, ident, label in checks:
            if limit is None:
                continue
            used = self.committed(scope, ident) if ident is not None else 0
            if used + amount > limit:
                raise InsufficientCredits(
                    f"Not enough credits under {label}: {used} of {limit} already used and this "
                    f"needs {amount}.",
                    cap=scope,
                )


def balance_from_sums(sums: dict[tuple[str, str], int]) -> Balance:
    def total(bucket: str, kinds: Iterable[str] | None = None) -> int:
        return sum(v for (b, k), v in sums.items() if b == bucket and (kinds is None or k in kinds))

    held_plan = -total("plan", ("reserve", "release"))
    held_purch = -total("purchased", ("reserve", "release"))
    free_plan, free_purch = total("plan"), total("purchased")
    return Balance(
        plan=free_plan + held_plan,
        purchased=free_purch + held_purch,
        reserved=held_plan + held_purch,
        available=free_plan + free_purch,
        reserved_plan=held_plan,
        reserved_purchased=held_purch,
    )


__all__ = ["Ledger", "LedgerError", "balance_from_sums", "SPEND_KINDS"]
