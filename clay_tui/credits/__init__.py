"""Credits: an append-only ledger, plans and renewals, reports and reconciliation."""

from clay_tui.credits.ledger import Ledger, LedgerError
from clay_tui.credits.types import Balance, Caps, Entry, Reservation, SpendContext

__all__ = ["Balance", "Caps", "Entry", "Ledger", "LedgerError", "Reservation", "SpendContext"]
