"""Members of a workspace and their monthly spend limits.

Every process acts as a named member (``Settings.user``); every ledger entry records it.
An owner may give a member a monthly limit: credits held and spent (net of refunds and
releases) by that member since the first of the calendar month (UTC). It is checked at
reserve time, inside the reserve's write transaction, so two of one member's processes
cannot race past it. The first member to set a limit becomes the owner of a workspace that
has none; afterwards only owners set limits or name other owners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clay_tui.clock import iso
from clay_tui.credits.schema import SPEND_KINDS
from clay_tui.errors import ClayError, InsufficientCredits
from clay_tui.workspace import Workspace

MAX_LIMIT = 1_000_000_000
_SPEND_IN = "kind IN (" + ", ".join(f"'{k}'" for k in SPEND_KINDS) + ")"


@dataclass(frozen=True)
class Member:
    name: str
    role: str  # "owner" | "member"
    monthly_limit: int | None
    used_this_month: int


def month_start(now: datetime) -> str:
    return iso(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def used_this_month(ws: Workspace, member: str) -> int:
    """Credits ``member`` holds or spent since the first of this month (net of refunds)."""
    total = ws.db.execute(
        f"SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE member = ? AND {_SPEND_IN} AND at >= ?",
        (member, month_start(ws.clock.now())),
    ).fetchone()[0]
    return -int(total)


def _row(ws: Workspace, name: str):
    return ws.db.execute(
        "SELECT name, role, monthly_limit FROM members WHERE name = ?", (name,)
    ).fetchone()


def check_limit(ws: Workspace, amount: int) -> None:
    """InsufficientCredits (cap "member") if this reservation would take the acting member
    over their monthly limit. Runs inside the reserve's transaction."""
    member = ws.settings.user
    row = _row(ws, member) if member else None
    if row is None or row["monthly_limit"] is None:
        return
    limit = int(row["monthly_limit"])
    used = used_this_month(ws, member)
    if used + amount > limit:
        raise InsufficientCredits(
            f"Not enough credits under {member}'s monthly limit: {used} of {limit} already used "
            f"this month and this needs {amount}.",
            cap="member",
        )


def members(ws: Workspace) -> list[Member]:
    """Everyone with a row in ``members`` or an entry in the ledger, by name."""
    names = {r[0] for r in ws.db.execute("SELECT name FROM members")}
    names |= {r[0] for r in ws.db.execute("SELECT DISTINCT member FROM ledger") if r[0]}
    out = []
    for name in sorted(names):
        row = _row(ws, name)
        out.append(
            Member(
                name,
                row["role"] if row else "member",
                row["monthly_limit"] if row else None,
                used_this_month(ws, name),
            )
        )
    return out


def _require_owner(ws: Workspace) -> None:
    """The acting member must be an owner; in a workspace without one, they become it."""
    me = ws.settings.user
    owners = [r[0] for r in ws.db.execute("SELECT name FROM members WHERE role = 'owner'")]
    if not owners:
        _upsert(ws, me, role="owner")
    elif me not in owners:
        raise ClayError(
            f"Only an owner of this workspace ({', '.join(sorted(owners))}) can change members; "
            f"you act as {me}."
        )


def _upsert(ws: Workspace, name: str, *, role: str | None = None, limit: object = ...) -> None:
    if _row(ws, name) is None:
        ws.db.execute(
            "INSERT INTO members (name, role, monthly_limit, added_at) VALUES (?, ?, ?, ?)",
            (name, role or "member", None if limit is ... else limit, iso(ws.clock.now())),
        )
    if role is not None:
        ws.db.execute("UPDATE members SET role = ? WHERE name = ?", (role, name))
    if limit is not ...:
        ws.db.execute("UPDATE members SET monthly_limit = ? WHERE name = ?", (limit, name))


def set_limit(ws: Workspace, name: str, limit: int | None) -> None:
    """Give ``name`` a monthly limit (None: no limit); owners only."""
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT
    ):
        raise ClayError(
            f"A monthly limit is a whole number from 0 to {MAX_LIMIT:,}, not {limit!r}."
        )
    _check_name(name)
    with ws.transaction():
        _require_owner(ws)
        _upsert(ws, name, limit=limit)


def make_owner(ws: Workspace, name: str) -> None:
    _check_name(name)
    with ws.transaction():
        _require_owner(ws)
        _upsert(ws, name, role="owner")


def _check_name(name: str) -> None:
    if not name or len(name) > 64 or any(not (c.isalnum() or c in "._-@+") for c in name):
        raise ClayError(
            f"A member name holds only letters, digits and . _ - @ +, at most 64 characters; "
            f"{name[:64]!r} does not."
        )
