"""CLI verbs ``condition draft`` and ``formula draft``: write an expression with AI.

``clay-tui condition draft TABLE "US SaaS companies with 50 to 500 employees, no email yet"``
prints the cost, the drafted condition checked against the table, and how many rows it
matches; ``--save-to COLUMN`` puts it on an enrichment column (then it is that column's
"only run if"). ``formula draft`` drafts a formula's expression and shows its first values.
"""

from __future__ import annotations

import json

import click

from clay_tui.cli.main import cli
from clay_tui.errors import ClayError
from clay_tui.services import drafting, tables
from clay_tui.services import enrich as enrich_svc
from clay_tui.table.inert import inert


def _run(ctx: click.Context, kind: str, target: str, words: str, model: str | None,
         as_json: bool, yes: bool, save_to: str | None) -> None:  # fmt: skip
    ws = ctx.obj.workspace
    table = tables.find_table(ws, target)
    hide: frozenset[str] = frozenset()
    if save_to is not None:  # a wrong name fails before anything is paid
        hide = frozenset(enrich_svc.get_column(ws, table, save_to).outputs.values())
    cost = drafting.draft_cost(ws, model)
    threshold = ws.settings.run.confirm_above_credits
    if cost.credits > threshold and not yes:
        raise ClayError(
            f"{cost.label()} That is above the confirm threshold of {threshold}; pass --yes."
        )
    if not as_json:
        click.echo(cost.label())
    draft = drafting.draft(ws, table, words, kind, model, hide=hide)
    if as_json:
        click.echo(json.dumps(draft.as_dict(), indent=2, default=str))
    else:
        click.echo(f"{kind + ':':<11}{inert(draft.expression) or '(none)'}")
        if draft.matches is not None:
            click.echo(f"{'matches:':<11}{draft.matches:,} of {draft.rows:,} rows")
        if draft.preview:
            click.echo(f"{'first:':<11}" + ", ".join(inert(str(v)) for v in draft.preview))
        if draft.explanation:
            click.echo(f"{'why:':<11}{inert(draft.explanation)}")
        unit = "credit" if draft.credits == 1 else "credits"
        paid = "stored draft, no charge" if draft.cached else f"{draft.credits} {unit}"
        click.echo(f"{'charged:':<11}{paid}")
    if draft.problem is not None:
        problem = inert(draft.problem)  # it may quote the model's text
        raise ClayError(f"{problem} (not charged; edit it or describe the rows again)")
    if save_to is not None:
        if kind == "condition":
            enrich_svc.update_column(ws, table, save_to, condition=draft.expression)
            if not as_json:
                click.echo(f"Saved as the condition of {inert(save_to)}.")
        else:
            raise ClayError("--save-to is for conditions; add a formula column with add-column.")


def _options(fn):  # noqa: ANN001, ANN202
    fn = click.option("--save-to", "save_to", metavar="COLUMN", help="Save it on this column.")(fn)
    fn = click.option("--yes", is_flag=True, help="Do not ask above the confirm threshold.")(fn)
    fn = click.option("--json", "as_json", is_flag=True, help="Print the draft as JSON.")(fn)
    fn = click.option("--model", default=None, help="The model to ask (default gpt-4o-mini).")(fn)
    fn = click.argument("words")(fn)
    return click.argument("table")(fn)


@cli.group("condition")
def condition_group() -> None:
    """Write a run condition with AI."""


@condition_group.command("draft")
@_options
@click.pass_context
def condition_draft(ctx: click.Context, table: str, words: str, model: str | None,
                    as_json: bool, yes: bool, save_to: str | None) -> None:  # fmt: skip
    """Draft a Polars SQL condition for TABLE from WORDS; shows it and the rows it matches."""
    _run(ctx, "condition", table, words, model, as_json, yes, save_to)


@cli.group("formula")
def formula_group() -> None:
    """Write a formula with AI."""


@formula_group.command("draft")
@_options
@click.pass_context
def formula_draft(ctx: click.Context, table: str, words: str, model: str | None,
                  as_json: bool, yes: bool, save_to: str | None) -> None:  # fmt: skip
    """Draft a Polars SQL formula for TABLE from WORDS; shows its first values."""
    _run(ctx, "formula", table, words, model, as_json, yes, save_to)
