"""Members: entries name who made them, usage by member, per-member monthly limits."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner
from credit_helpers import ctx

from clay_tui.cli.main import cli
from clay_tui.credits import Ledger
from clay_tui.credits import members as m
from clay_tui.credits.reports import usage
from clay_tui.credits.verify import verify
from clay_tui.errors import ClayError, InsufficientCredits
from clay_tui.workspace import Workspace


@pytest.fixture
def open_as(settings, clock):
    opened: list[Workspace] = []

    def open_as(user: str) -> tuple[Workspace, Ledger]:
        ws = Workspace.open(dataclasses.replace(settings, user=user), clock)
        opened.append(ws)
        return ws, Ledger(ws)

    yield open_as
    for ws in opened:
        ws.close()


def test_entries_record_their_member_and_usage_groups_by_it(open_as) -> None:
    ann_ws, ann = open_as("ann")
    _, bob = open_as("bob")
    ann.capture(ann.reserve(5, "a1", context=ctx(1)), 4)
    bob.capture(bob.reserve(3, "b1", context=ctx(2)), 3)
    bob.capture(bob.reserve(2, "b2", context=ctx(3)), 2)
    bob.refund("b2:capture", "invalid")
    rows = ann_ws.db.execute("SELECT DISTINCT kind, member FROM ledger WHERE key LIKE 'a1%'")
    assert {tuple(r) for r in rows} == {("reserve", "ann"), ("release", "ann"), ("capture", "ann")}
    report = usage(ann_ws.db, "member")
    by = {r.label: (r.spent, r.refunded, r.net) for r in report.rows}
    assert by == {"ann": (4, 0, 4), "bob": (5, 2, 3)}
    assert report.net == 7 == 2000 - ann.balance().available


def test_a_monthly_limit_is_enforced_at_reserve_time(open_as, clock) -> None:
    owner_ws, _ = open_as("ann")
    m.set_limit(owner_ws, "bob", 10)  # ann becomes the owner
    bob_ws, bob = open_as("bob")
    first = bob.reserve(6, "b1", context=ctx(1))
    with pytest.raises(InsufficientCredits) as err:
        bob.reserve(5, "b2", context=ctx(2))
    assert err.value.cap == "member"
    assert str(err.value) == (
        "Not enough credits under bob's monthly limit: 6 of 10 already used this month and "
        "this needs 5."
    )
    bob.release(first, "no data")  # released credits were not used
    bob.capture(bob.reserve(9, "b3", context=ctx(3)), 9)
    with pytest.raises(InsufficientCredits):
        bob.reserve(2, "b4", context=ctx(4))
    _, ann = open_as("ann")
    ann.reserve(50, "a1", context=ctx(5))  # the limit is bob's alone
    clock.advance(days=20)  # December: a new month
    bob.reserve(10, "b5", context=ctx(6))
    assert verify(bob, repair=False, alive=lambda pid: True).ok
    assert {x.name: (x.role, x.monthly_limit) for x in m.members(bob_ws)} == {
        "ann": ("owner", None),
        "bob": ("member", 10),
    }


def test_only_owners_change_members(open_as) -> None:
    ann_ws, _ = open_as("ann")
    m.set_limit(ann_ws, "ann", None)
    bob_ws, _ = open_as("bob")
    with pytest.raises(ClayError, match=r"^Only an owner of this workspace \(ann\) can change"):
        m.set_limit(bob_ws, "bob", 1000)
    with pytest.raises(ClayError, match="whole number"):
        m.set_limit(ann_ws, "bob", -1)
    m.make_owner(ann_ws, "bob")
    m.set_limit(bob_ws, "bob", 1000)


def test_members_cli_and_user_flag(settings, monkeypatch) -> None:
    monkeypatch.setenv("CLAY_TUI_WORKSPACE", settings.workspace_url or str(settings.workspace))

    def run(*args: str):
        return CliRunner().invoke(cli, list(args))

    assert run("--user", "ann", "members", "limit", "bob", "1,000").exit_code == 0
    refused = run("--user", "bob", "members", "limit", "bob", "none")
    assert refused.exit_code == 2 and "Only an owner" in refused.output
    monkeypatch.setenv("CLAY_TUI_USER", "bob")
    listing = run("members")
    assert listing.exit_code == 0
    assert listing.output.split("\n")[1].split() == ["ann", "owner", "-", "0"]
    assert listing.output.split("\n")[2].split() == ["bob", "member", "1,000", "0"]
    assert "(you act as bob;" in listing.output
    bad = run("--user", "ann", "members", "limit", "bob", "lots")
    assert bad.exit_code == 2 and bad.output.count("\n") == 1
    assert run("usage", "--by", "member").exit_code == 0
