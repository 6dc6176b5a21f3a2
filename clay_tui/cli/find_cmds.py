"""``clay-tui find-people``: a new table (or new rows) from a Prospeo person search.

Free of clay-tui credits (Prospeo bills its own account per page). It says how many people
match and how many pages that is before paging, shows a progress bar on stderr while it
pages, and keeps every page that arrived if stopped (Ctrl-C, exit 130).
"""

from __future__ import annotations

import asyncio
import json
import sys

import click

from clay_tui.cli.main import cli
from clay_tui.errors import ClayError
from clay_tui.providers.prospeo_search import PersonSearch
from clay_tui.services import find_people as svc

BAR = 30


def _bar(p: svc.Progress) -> None:
    done = int(BAR * p.pages_done / max(1, p.pages))
    line = (
        f"[{'#' * done}{'.' * (BAR - done)}] page {p.pages_done}/{p.pages}  "
        f"{p.fetched:,} people, {p.added:,} added"
    )
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line + "\033[K" + ("\n" if p.pages_done >= p.pages else ""))
    else:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


async def _find(ws, search: PersonSearch, limit, into, dry_run, as_json, state) -> None:
    async with svc.PeopleSearch(ws, search, limit=limit) as session:
        plan = await session.plan()
        click.echo(plan.sentence(), err=as_json)
        if dry_run:
            if as_json:
                click.echo(json.dumps({"total_count": plan.total_count, "pages": plan.pages}))
            return
        state["result"] = await session.build(plan, into, on_progress=_bar)


@cli.command("find-people")
@click.option("--title", "titles", multiple=True, help="Job title (contains match); repeatable.")
@click.option("--seniority", "seniorities", multiple=True, help="e.g. 'Vice President' or VP.")
@click.option("--department", "departments", multiple=True, help="e.g. Sales.")
@click.option("--country", "countries", multiple=True, help="e.g. 'United States' or US.")
@click.option("--company-size", "sizes", multiple=True, help="Employees, e.g. 51-200.")
@click.option("--industry", "industries", multiple=True, help="e.g. 'Software Development'.")
@click.option("--company-domain", "domains", multiple=True, help="e.g. acme.com; repeatable.")
@click.option("--limit", "limit", default=None, help="At most this many people.")
@click.option("--into", "into", default=None, help="Table to build (new) or append to.")
@click.option("--dry-run", is_flag=True, help="Only say how many people match.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def find_people_cmd(
    ctx: click.Context,
    titles: tuple[str, ...],
    seniorities: tuple[str, ...],
    departments: tuple[str, ...],
    countries: tuple[str, ...],
    sizes: tuple[str, ...],
    industries: tuple[str, ...],
    domains: tuple[str, ...],
    limit: str | None,
    into: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """People matching filters become a table, deduped on LinkedIn URL (no clay-tui credits)."""
    search = PersonSearch(titles, seniorities, departments, countries, sizes, industries, domains)
    search.filters()  # an empty or malformed search: one sentence, before anything else
    n = svc.parse_limit(limit)
    if not dry_run and not (into and into.strip()):
        raise ClayError("Name the table to build with --into TABLE (or use --dry-run).")
    ws = ctx.obj.workspace
    state: dict[str, svc.BuildResult] = {}
    try:
        asyncio.run(_find(ws, search, n, into or "", dry_run, as_json, state))
    except KeyboardInterrupt:
        click.echo("\nStopped: the pages that arrived are kept in the table.", err=True)
        ctx.exit(130)
    result = state.get("result")
    if result is None:
        return
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        click.echo("\n".join(result.lines()))
    if result.error:
        ctx.exit(2)
