"""Build a lead list from a search: Prospeo's Search Person into a new or existing table.

Free of clay-tui credits: nothing here touches the ledger (Prospeo bills its own account 1
credit per page). First :meth:`PeopleSearch.plan` fetches page 1, which says how many
people match and so how many pages the search will take; :meth:`PeopleSearch.build` then
pages through, committing each page to the table as it arrives (one journal entry a page),
so a stop or a crash keeps every page that arrived. Rows are deduped on the LinkedIn URL
against the table and against each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from clay_tui.clock import iso
from clay_tui.errors import ClayError
from clay_tui.providers.prospeo_search import (
    MAX_PAGES,
    PER_PAGE,
    NoResults,
    Pacer,
    Page,
    Person,
    PersonSearch,
    search_page,
)
from clay_tui.providers.registry import Providers
from clay_tui.services.tables import get_table
from clay_tui.table import registry
from clay_tui.table.frame_store import frame_store
from clay_tui.table.lead_table import LeadTable, with_row_ids
from clay_tui.table.merge import norm_key
from clay_tui.table.values import coerce
from clay_tui.workspace import Workspace

# The columns a prospecting export has: (column, Person field, names an existing table may
# already use for it).
COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Name", "name", ("name", "full_name")),
    ("First Name", "first_name", ("first_name", "firstname")),
    ("Last Name", "last_name", ("last_name", "lastname")),
    ("Title", "title", ("title", "job_title")),
    ("Company", "company", ("company", "company_name")),
    ("Domain", "domain", ("domain", "company_domain", "website")),
    ("LinkedIn URL", "linkedin_url", ("linkedin_url", "linkedin")),
    ("Location", "location", ("location",)),
    ("Country", "country", ("country",)),
    ("Company Size", "company_size", ("company_size", "size")),
    ("Industry", "industry", ("industry",)),
)
KEY = "LinkedIn URL"
BILLING = "Prospeo bills its own account 1 credit per page of 25; no clay-tui credits."


@dataclass(frozen=True)
class SearchPlan:
    """What a search matches and what building from it will fetch."""

    search: PersonSearch
    total_count: int
    limit: int | None
    first: Page
    sandbox: bool

    @property
    def to_fetch(self) -> int:
        most = min(self.total_count, MAX_PAGES * PER_PAGE)
        return most if self.limit is None else min(most, self.limit)

    @property
    def pages(self) -> int:
        return math.ceil(self.to_fetch / PER_PAGE)

    def sentence(self) -> str:
        where = " (sandbox)" if self.sandbox else ""
        text = f"{self.total_count:,} people match{where}: {self.pages:,} page(s) of {PER_PAGE}"
        if self.to_fetch < self.total_count:
            text += f" for the first {self.to_fetch:,}"
        return f"{text}. {BILLING}"


@dataclass
class Progress:
    pages_done: int
    pages: int
    fetched: int
    added: int
    duplicates: int


@dataclass
class BuildResult:
    table: str
    created: bool
    pages: int
    fetched: int
    added: int
    duplicates: int
    stopped: bool
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        verb = "New table" if self.created else "Table"
        out = [
            f"{verb} {self.table}: {self.added:,} people added from {self.pages:,} page(s) "
            f"({self.duplicates:,} already there, skipped on {KEY}); no clay-tui credits spent."
        ]
        if self.stopped:
            out.append("Stopped: the pages that arrived are kept.")
        if self.error:
            out.append(f"Stopped early: {self.error} The pages that arrived are kept.")
        return out


def parse_limit(value: str | int | None) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        n = int(str(value).strip().replace(",", ""))
    except ValueError:
        raise ClayError(f"The limit must be a whole number of people, not {value!r}.") from None
    if n < 1:
        raise ClayError("The limit must be at least 1 person.")
    return n


def _check_name(ws: Workspace, name: str) -> str:
    name = name.strip()
    if not name:
        raise ClayError("Name the table to build (--into TABLE).")
    if name.isdigit():
        raise ClayError(f"A table name cannot be only digits ({name}): ids are numbers.")
    return name


def _new_table(ws: Workspace, name: str) -> LeadTable:
    """An empty table with the export's columns (no source file: its rows come from pages)."""
    frame = with_row_ids(pl.DataFrame({c: pl.Series([], dtype=pl.String) for c, _, _ in COLUMNS}))
    with ws.transaction() as db:
        cur = db.execute(
            "INSERT INTO tables (name, source_path, sheet, created_at, next_row_id, auto_update)"
            " VALUES (?, NULL, NULL, ?, 1, 0) RETURNING id",
            (name, iso(ws.clock.now())),
        )
        table_id = int(cur.fetchone()[0])
    frame_store(ws).drop(str(table_id))
    LeadTable(ws, table_id, initial=frame).wait_for_snapshot()
    return get_table(ws, table_id)


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


class _Target:
    """The table pages go into: which of its columns takes each field, the keys it holds."""

    def __init__(self, table: LeadTable, created: bool) -> None:
        self.table = table
        self.created = created
        have = {_norm(c): c for c in table.columns}
        self.columns: dict[str, str] = {}  # Person field -> table column
        for column, fieldname, names in COLUMNS:
            found = have.get(_norm(column)) or next(
                (
                    have[_norm(n)]
                    for n in names
                    if _norm(n) in have and table.dtype_label(have[_norm(n)]) == "text"
                ),
                None,
            )
            if found is None:
                table.add_column(column, "text")
                found = column
            self.columns[fieldname] = found
        key_col = self.columns["linkedin_url"]
        self.keys = {
            k for k in (norm_key(v) for v in table.frame.get_column(key_col).to_list()) if k
        }

    def add(self, people: list[Person]) -> tuple[int, int]:
        """Commit one page's new people (one journal entry); (added, duplicates)."""
        rows, dup = [], 0
        labels = {c: self.table.dtype_label(c) for c in self.columns.values()}
        for person in people:
            k = norm_key(person.linkedin_url)
            if k is not None and k in self.keys:
                dup += 1
                continue
            if k is not None:
                self.keys.add(k)
            row = {}
            for fieldname, column in self.columns.items():
                value = getattr(person, fieldname) or None
                try:
                    row[column] = coerce(value, labels[column], column)
                except (ClayError, ValueError):
                    row[column] = None  # a number column given text: left blank
            rows.append(row)
        if rows:
            self.table.merge([], rows)
        return len(rows), dup


class PeopleSearch:
    """One search: its Prospeo client and pacing. ``async with PeopleSearch(...) as s``."""

    def __init__(
        self,
        ws: Workspace,
        search: PersonSearch,
        *,
        limit: int | None = None,
        providers: Providers | None = None,
    ) -> None:
        self.ws = ws
        self.search = search
        self.limit = limit
        self._own = providers is None
        self.providers = providers or Providers(ws.settings)
        self.pacer = Pacer()
        search.filters()  # an empty search is one sentence before any call

    async def __aenter__(self) -> PeopleSearch:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._own:
            await self.providers.aclose()

    async def plan(self) -> SearchPlan:
        """Page 1: how many people match (a search that matches nobody says so)."""
        client = self.providers.client("prospeo")
        try:
            first = await search_page(client, self.search, 1, self.pacer)
        except NoResults:
            raise NoResults(f"Nobody matches this search ({self.search.describe()}).") from None
        return SearchPlan(self.search, first.total_count, self.limit, first, client.sandbox)

    async def build(
        self,
        plan: SearchPlan,
        into: str,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> BuildResult:
        """Fetch the plan's pages into ``into`` (new, or rows appended deduped on LinkedIn
        URL), committing each page as it arrives; ``stop()`` true ends it before the next
        page, keeping what arrived."""
        name = _check_name(self.ws, into)
        row = registry.find_by_name(self.ws, name)
        target = (
            _Target(get_table(self.ws, row["id"]), False)
            if row is not None
            else _Target(_new_table(self.ws, name), True)
        )
        client = self.providers.client("prospeo")
        progress = Progress(0, plan.pages, 0, 0, 0)
        result = BuildResult(target.table.name, target.created, 0, 0, 0, 0, False)
        page: Page | None = plan.first
        number = 1
        try:
            while number <= plan.pages:
                if page is None:
                    if stop is not None and stop():
                        result.stopped = True
                        break
                    try:
                        page = await search_page(client, self.search, number, self.pacer)
                    except NoResults:
                        break  # the search shrank meanwhile: nothing more to fetch
                    except ClayError as exc:
                        result.error = str(exc)
                        break
                people = page.people[: max(0, plan.to_fetch - progress.fetched)]
                added, dup = target.add(people)
                progress.pages_done += 1
                progress.fetched += len(people)
                progress.added += added
                progress.duplicates += dup
                if on_progress is not None:
                    on_progress(progress)
                page, number = None, number + 1
        finally:
            result.pages, result.fetched = progress.pages_done, progress.fetched
            result.added, result.duplicates = progress.added, progress.duplicates
            target.table.save()
        return result
