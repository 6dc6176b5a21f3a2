"""The dependency graph of a table's enrichment columns.

A column *reads* table columns through its inputs, ``{{column}}`` templates (AI
prompts, HTTP URLs and bodies, any text setting), a formula, its required columns
and its "only run if" condition; it *writes* its output columns. Column X depends
on column Y when X reads one of Y's outputs. A cycle (X reads Y, Y reads X) or a
column reading its own output would make auto-update run forever, charging every
time, so every change that could make one is checked here first: adding a column,
editing one, loading a recipe, deleting or renaming a data column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clay_tui.enrich.spec import (
    ColumnSpec,
    formula_columns,
    is_template,
    mapped_columns,
    strings_in,
    template_columns,
)
from clay_tui.errors import ColumnSpecError


@dataclass(frozen=True)
class Read:
    column: str
    how: str  # "input" | "template" | "formula" | "required" | "condition"

    def describe(self) -> str:
        return {
            "input": "an input",
            "template": "a template",
            "formula": "its formula",
            "required": "a required column",
            "condition": "its condition",
        }[self.how]


def reads(spec: ColumnSpec) -> list[Read]:
    """Every table column ``spec`` reads, and how (first way wins), in a stable order."""
    out: dict[str, Read] = {}

    def add(cols: Iterable[str], how: str) -> None:
        for c in cols:
            out.setdefault(c, Read(c, how))

    for source in spec.inputs.values():
        if is_template(source):
            add(template_columns(source), "template")
        else:
            add([source], "input")
    for value in strings_in(spec.params):
        add(template_columns(value), "template")
    add(mapped_columns(spec), "input")
    if spec.action == "formula" and spec.params.get("expression"):
        add(formula_columns(str(spec.params["expression"])), "formula")
    add(spec.required, "required")
    if spec.condition:
        add(formula_columns(spec.condition), "condition")
    return list(out.values())


def read_columns(spec: ColumnSpec) -> list[str]:
    return [r.column for r in reads(spec)]


def trigger_columns(spec: ColumnSpec) -> list[str]:
    """The columns whose change re-runs ``spec`` under auto-update: inputs and condition
    columns, never its own outputs."""
    own = set(spec.outputs.values())
    return [c for c in read_columns(spec) if c not in own]


class ColumnGraph:
    """Enrichment columns as nodes; an edge X -> Y when X reads an output of Y."""

    def __init__(self, specs: Iterable[ColumnSpec]) -> None:
        self.specs: dict[str, ColumnSpec] = {s.name: s for s in specs}
        self.producer: dict[str, str] = {}  # output column -> enrichment column
        for spec in self.specs.values():
            for col in spec.outputs.values():
                self.producer.setdefault(col, spec.name)
        self.edges: dict[str, list[str]] = {}
        for name, spec in self.specs.items():
            deps: dict[str, None] = {}
            for col in read_columns(spec):
                if col in self.producer:
                    deps.setdefault(self.producer[col], None)
            self.edges[name] = list(deps)

    def find_cycle(self, start: str | None = None) -> list[str] | None:
        """A cycle as ``[A, B, ..., A]`` (each reads an output of the next), or None."""
        names = [start] if start is not None else list(self.specs)
        done: set[str] = set()
        for root in names:
            if root in done or root not in self.specs:
                continue
            path: list[str] = []
            on_path: set[str] = set()
            stack: list[tuple[str, int]] = [(root, 0)]
            while stack:
                node, i = stack.pop()
                if i == 0:
                    path.append(node)
                    on_path.add(node)
                deps = self.edges.get(node, [])
                if i < len(deps):
                    stack.append((node, i + 1))
                    nxt = deps[i]
                    if nxt in on_path:
                        return path[path.index(nxt) :] + [nxt]
                    if nxt not in done:
                        stack.append((nxt, 0))
                else:
                    path.pop()
                    on_path.discard(node)
                    done.add(node)
        return None

    def order(self) -> list[str]:
        """Columns so that each comes after the columns it reads (a cycle's members last,
        in their stored order)."""
        out: list[str] = []
        placed: set[str] = set()
        pending = list(self.specs)
        while pending:
            ready = [
                n for n in pending if all(d in placed or d == n for d in self.edges.get(n, []))
            ]
            if not ready:  # a cycle left by an old version: keep the stored order
                out += pending
                break
            for n in ready:
                out.append(n)
                placed.add(n)
            pending = [n for n in pending if n not in placed]
        return out

    def downstream(self, name: str) -> set[str]:
        """Every column that reads ``name``'s outputs, directly or through others."""
        found: set[str] = set()
        todo = [name]
        while todo:
            cur = todo.pop()
            for other, deps in self.edges.items():
                if cur in deps and other not in found:
                    found.add(other)
                    todo.append(other)
        return found

    def readers(self, column: str) -> list[tuple[str, Read]]:
        """(enrichment column, how) for each enrichment column reading table column ``column``."""
        out = []
        for name, spec in self.specs.items():
            hit = next((r for r in reads(spec) if r.column == column), None)
            if hit is not None and column not in spec.outputs.values():
                out.append((name, hit))
        return out


def self_read(spec: ColumnSpec) -> Read | None:
    """How ``spec`` reads one of its own outputs, if it does."""
    own = set(spec.outputs.values())
    return next((r for r in reads(spec) if r.column in own), None)


def check_self(spec: ColumnSpec) -> None:
    own = self_read(spec)
    if own is not None:
        raise ColumnSpecError(
            f"Column {spec.name} cannot read its own output {own.column!r}"
            f" ({own.describe()}): it would run itself forever."
        )


def check(specs: Iterable[ColumnSpec], changed: ColumnSpec) -> None:
    """Refuse, in one sentence naming the cycle, if ``changed`` (one of ``specs``) reads its
    own output or closes a cycle."""
    specs = list(specs)
    check_self(changed)
    graph = ColumnGraph(specs)
    # a cycle this change makes goes through ``changed``, so it is reachable from it (one an
    # older version left elsewhere does not block unrelated changes)
    cycle = graph.find_cycle(changed.name)
    if cycle is not None:
        raise ColumnSpecError(cycle_sentence(graph, cycle))


def cycle_sentence(graph: ColumnGraph, cycle: list[str]) -> str:
    links = []
    for a, b in zip(cycle, cycle[1:], strict=False):
        outs = set(graph.specs[b].outputs.values())
        hit = next((r for r in reads(graph.specs[a]) if r.column in outs), None)
        links.append(f"{a} reads {hit.column!r}" if hit and hit.column != b else f"{a} reads {b}")
    return (
        f"This would make a cycle, {' -> '.join(cycle)} ({', '.join(links)}): a column "
        "cannot depend on its own result, so nothing was changed."
    )


def readers_sentence(column: str, readers: list[tuple[str, Read]], verb: str) -> str:
    names = ", ".join(f"{name} ({how.describe()})" for name, how in readers)
    them = "it" if len(readers) == 1 else "them"
    return (
        f"Cannot {verb} column {column}: {names} read{'s' if len(readers) == 1 else ''} "
        f"it; remove or edit {them} first."
    )


__all__ = [
    "ColumnGraph",
    "Read",
    "check",
    "check_self",
    "cycle_sentence",
    "read_columns",
    "reads",
    "readers_sentence",
    "self_read",
    "trigger_columns",
]
