"""What an action is: its inputs, outputs, prices and how a cell of it runs (the types; the
built-in actions themselves are in enrich/actions.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from clay_tui.config import Settings
from clay_tui.enrich import ai_schema
from clay_tui.enrich.final import Final
from clay_tui.manifests import find_manifest
from clay_tui.providers.base import ProviderResult

if TYPE_CHECKING:
    import polars as pl

    from clay_tui.enrich.spec import ColumnSpec
    from clay_tui.providers.client import ProviderClient

VERIFIER = ("hunter", "email_verifier")


@dataclass(frozen=True)
class InputInfo:
    name: str
    required: bool = False
    help: str = ""


class CellContext(Protocol):
    spec: ColumnSpec
    inputs: dict[str, Any]
    row: dict[str, Any]
    settings: Settings

    async def call(
        self,
        provider: str,
        op: str,
        fn: Callable[[ProviderClient], Awaitable[ProviderResult]],
        cost: int | None = None,
        then: tuple[str, str] | None = None,
    ) -> ProviderResult | None: ...

    def reject(self, result: ProviderResult) -> None: ...

    async def http(self, **kwargs: Any) -> ProviderResult: ...


Execute = Callable[["CellContext"], Awaitable[Final]]
# A free action that runs every selected row at once: (row id, how its cell ends) per row.
BatchExecute = Callable[["ColumnSpec", "pl.DataFrame"], Iterable[tuple[int, Final]]]


@dataclass(frozen=True, kw_only=True)
class ActionInfo:
    slug: str
    name: str
    kind: str
    description: str
    inputs: tuple[InputInfo, ...]
    outputs: dict[str, str]  # field -> dtype label; the first is the main value
    providers: tuple[str, ...] = ()  # default order
    allowed_providers: tuple[str, ...] = ()
    ops: dict[str, str] = field(default_factory=dict)  # provider -> priced op (credits key)
    validation: str | None = None
    free: bool = False
    params: dict[str, Any] = field(default_factory=dict)  # defaults
    needs_any: tuple[tuple[str, ...], ...] = ()  # at least one input of each group non-empty
    execute: Execute | None = None
    batch: BatchExecute | None = None  # instead of execute: all rows in one go (formula)

    @property
    def main_output(self) -> str:
        return next(iter(self.outputs))

    def output_types(self, spec: ColumnSpec | None = None) -> dict[str, str]:
        """Output field -> type label; an AI column's declared fields add typed outputs."""
        fields = ai_schema.fields_of(spec.params if spec else None)
        return ai_schema.output_types(fields) if self.kind == "ai" and fields else self.outputs

    def step_costs(self, settings: Settings, spec: ColumnSpec | None = None) -> dict[str, int]:
        """Credits per priced step, keyed "provider.op" (0 when free or own key)."""
        if self.free:
            return {}
        providers = (spec.providers if spec and spec.providers else None) or list(self.providers)
        out: dict[str, int] = {}
        for p in providers:
            op = self.op_for(p, spec)
            out[f"{p}.{op}"] = _credits(settings, p, op)
        validation = self.validation_of(spec)
        if validation == "hunter.email_verifier":
            out["hunter.email_verifier"] = _credits(settings, *VERIFIER)
        return out

    def op_for(self, provider: str, spec: ColumnSpec | None = None) -> str:
        if self.slug == "ai_prompt":
            return str((spec.params if spec else {}).get("model") or self.params["model"])
        return self.ops.get(provider) or self.ops.get("*", "default")

    def can_use(self, provider: str) -> bool:
        """A listed provider, or (ops "*") any provider whose manifest has the operation:
        a user's own manifest joins the waterfalls of what it can do."""
        if provider in self.allowed_providers:
            return True
        m = find_manifest(provider) if "*" in self.ops else None
        return m is not None and self.ops["*"] in m.endpoints

    def validation_of(self, spec: ColumnSpec | None) -> str | None:
        if spec is not None and spec.validation is not None:
            return None if spec.validation == "none" else spec.validation
        return self.validation

    def max_cost(self, settings: Settings, spec: ColumnSpec | None = None) -> int:
        """The most one cell can be charged: every provider finds, validation rejects all but
        the last (refunds are not counted: this is what has to be reserved)."""
        if self.free:
            return 0
        costs = self.step_costs(settings, spec)
        verify = costs.pop("hunter.email_verifier", 0) if self.validation_of(spec) else 0
        return sum(c + verify for c in costs.values())

    def as_dict(self, settings: Settings) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "inputs": [
                {"name": i.name, "required": i.required, "help": i.help} for i in self.inputs
            ],
            "outputs": list(self.outputs),
            "providers": list(self.providers),
            "credits": self.step_costs(settings),
            "free": self.free,
            "validation": self.validation,
            "params": self.params,
        }


def _credits(settings: Settings, provider: str, op: str) -> int:
    ps = settings.providers.get(provider)
    return ps.credits_for(op) if ps is not None else 0
