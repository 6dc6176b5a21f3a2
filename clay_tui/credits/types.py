"""The values the credit ledger hands out: balances, spend contexts, caps, reservations."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Balance:
    """Credits owned per bucket, what is held by open reservations, and what can be spent.

    ``plan`` and ``purchased`` are the credits each bucket owns, including those
    held by open reservations; ``reserved`` is what open reservations hold;
    ``available = plan + purchased - reserved`` is the sum of every ledger entry.
    """

    plan: int
    purchased: int
    reserved: int
    available: int
    reserved_plan: int = 0
    reserved_purchased: int = 0

    @property
    def total(self) -> int:
        return self.plan + self.purchased


@dataclass(frozen=True)
class SpendContext:
    """Where a charge belongs: every spend entry carries it, so reports can say where it went."""

    table_id: int | None
    column_id: int | None
    row_id: int | None
    provider: str | None
    run_id: int | None
    action: str | None = None


@dataclass(frozen=True)
class Caps:
    """Spend limits a reservation must stay under (credits held + spent net of refunds)."""

    run_max: int | None = None
    column_limit: int | None = None
    table_limit: int | None = None


@dataclass(frozen=True)
class Reservation:
    """An open hold of ``amount`` credits, identified by its idempotency ``key``."""

    id: int
    key: str
    amount: int
    context: SpendContext


@dataclass(frozen=True)
class Entry:
    """One ledger row, as reports and screens show it."""

    id: int
    at: str
    kind: str
    amount: int
    bucket: str
    key: str
    note: str
    table_id: int | None = None
    column_id: int | None = None
    row_id: int | None = None
    provider: str | None = None
    run_id: int | None = None
    action: str | None = None
