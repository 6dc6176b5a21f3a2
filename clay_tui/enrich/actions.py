"""The built-in actions: what each needs, fills, costs, and how one cell runs.

An action's ``execute`` coroutine holds the per-cell logic (waterfall order,
validation, catch-all rule); every paid call goes through ``ctx.call`` so the
runner can reserve, record the attempt and queue it on the provider's pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from clay_tui.config import Settings
from clay_tui.domains import domain_of
from clay_tui.enrich import ai_schema, formula
from clay_tui.enrich.final import Final
from clay_tui.enrich.typical_rates import (  # noqa: F401 - moved there, kept importable here
    TYPICAL_HIT_RATE,
    TYPICAL_VALID_RATE,
)
from clay_tui.manifests import find_manifest
from clay_tui.providers import cleaning, crm, dispatch, hubspot_crm, hunter, openai_compat, prospeo
from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.crm import CrmRecord
from clay_tui.states import CellState

if TYPE_CHECKING:
    import polars as pl

    from clay_tui.enrich.spec import ColumnSpec
    from clay_tui.providers.client import ProviderClient

# A finder result that validation rejects is refunded when the provider refunds (legacy
# default: every listed provider does). Clearbit-style providers would say False here.
# An AI answer that does not follow its column's schema is refunded too (ai_schema).
REFUND_ON_INVALID: dict[str, bool] = {"hunter": True, "prospeo": True, "openai": True}
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


# ------------------------------------------------------------------ execution


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _finder(
    provider: str, inputs: dict[str, Any]
) -> Callable[[ProviderClient], Awaitable[ProviderResult]]:
    return dispatch.email_finder(provider, inputs)


def _is_catch_all(result: ProviderResult) -> bool:
    data = result.data
    # Prospeo's UNVERIFIED (its current API) is not safe to send, like a catch-all.
    return (
        str(data.get("email_status") or "").upper() in ("CATCH_ALL", "UNVERIFIED")
        or bool(data.get("accept_all"))
        or data.get("status") == "accept_all"
    )


def _failure(
    errors: list[ProviderResult], invalid: ProviderResult | None, last_provider: str | None
) -> Final:
    if errors and all(e.error_id == "missing_input" for e in errors) and invalid is None:
        # e.g. a first name, no last
        return Final(CellState.MISSING_INPUT, error=errors[-1].message)
    errors = [e for e in errors if e.error_id != "missing_input"]
    if errors:
        e = errors[-1]
        return Final(
            CellState.ERROR, provider=e.provider, error=f"{e.provider}: {e.message or e.error_id}"
        )
    if invalid is not None:
        return Final(
            CellState.INVALID,
            provider=invalid.provider,
            error=invalid.message or "The result did not pass validation.",
        )
    return Final(CellState.NO_DATA, provider=last_provider)


async def _waterfall_email(ctx: CellContext) -> Final:
    spec = ctx.spec
    info = ACTIONS[spec.action]
    validation = info.validation_of(spec)
    errors: list[ProviderResult] = []
    invalid: ProviderResult | None = None
    last = None
    for provider in spec.providers or list(info.providers):
        last = provider
        then = VERIFIER if validation == "hunter.email_verifier" else None
        found = await ctx.call(provider, "email_finder", _finder(provider, ctx.inputs), then=then)
        if found is None:
            return Final(CellState.NO_DATA)  # halted: the runner decides the state
        if found.outcome is Outcome.ERROR:
            errors.append(found)
            continue
        if found.outcome is not Outcome.FOUND:
            continue
        email = found.data["email"]
        status, score = (
            found.data.get("verification_status") or found.data.get("email_status"),
            found.data.get("score"),
        )
        if validation == "hunter.email_verifier":
            checked = await ctx.call(
                "hunter", "email_verifier", lambda c, e=email: hunter.verify_email(c, email=e)
            )
            if checked is None:
                return Final(CellState.NO_DATA)
            ok = checked.outcome is Outcome.FOUND and (
                spec.accept_catch_all or checked.data.get("status") != "accept_all"
            )
            if not ok:
                ctx.reject(found)
                if checked.outcome is Outcome.ERROR:
                    errors.append(checked)
                else:
                    invalid = checked.with_(
                        message=checked.message
                        or (
                            f"{email} is catch-all; the column does not accept catch-all."
                            if checked.data.get("status") == "accept_all"
                            else f"Hunter could not confirm {email}."
                        )
                    )
                continue
            status, score = checked.data.get("status"), checked.data.get("score", score)
        elif not spec.accept_catch_all and _is_catch_all(found):
            ctx.reject(found)
            invalid = found.with_(message=f"{email} is catch-all; the column does not accept it.")
            continue
        return Final(
            CellState.FOUND,
            {"email": email, "score": score, "provider": provider, "status": status},
            provider=provider,
        )
    return _failure(errors, invalid, last)


async def _verify_email(ctx: CellContext) -> Final:
    """The verifier's verdict (valid, invalid, accept_all, ...) is this column's data.

    A check that says "invalid" is a finding the user paid for, not a result that
    validation rejected, so it is stored as found and never labelled refunded.
    """
    email = _text(ctx.inputs.get("email"))
    r: ProviderResult | None = None
    errors: list[ProviderResult] = []
    for provider in ctx.spec.providers or list(ACTIONS["verify_email"].providers):
        # a waterfall of verifiers: the first definite verdict wins, "unknown" asks the next
        r = await ctx.call(provider, "email_verifier", dispatch.email_verifier(provider, email))
        if r is None:
            return Final(CellState.NO_DATA)
        if r.outcome in (Outcome.FOUND, Outcome.INVALID):
            values = {"status": r.data.get("status"), "score": r.data.get("score")}
            return Final(CellState.FOUND, values, provider)
        if r.outcome is Outcome.ERROR:
            errors.append(r)
    if errors or r is None:
        return _failure(errors, None, r.provider if r is not None else None)
    return _single(r)


def _single(r: ProviderResult) -> Final:
    if r.outcome is Outcome.ERROR and r.error_id == "missing_input":
        return Final(CellState.MISSING_INPUT, provider=r.provider, error=r.message)
    if r.outcome is Outcome.ERROR:
        return Final(CellState.ERROR, provider=r.provider, error=r.message or r.error_id)
    if r.outcome is Outcome.INVALID:
        return Final(CellState.INVALID, provider=r.provider, error=r.message or r.error_id)
    return Final(CellState.NO_DATA, provider=r.provider, error=r.message or None)


async def _find_mobile(ctx: CellContext) -> Final:
    mobile_only = ctx.spec.validation == "mobile_only" or bool(ctx.spec.params.get("mobile_only"))
    errors: list[ProviderResult] = []
    invalid: ProviderResult | None = None
    last = None
    for provider in ctx.spec.providers or list(ACTIONS["find_mobile"].providers):
        last = provider
        r = await ctx.call(provider, "mobile_finder", dispatch.mobile_finder(provider, ctx.inputs))
        if r is None:
            return Final(CellState.NO_DATA)
        if r.outcome is Outcome.ERROR:
            errors.append(r)
            continue
        if r.outcome is not Outcome.FOUND:
            continue
        if mobile_only:
            check = cleaning.normalize_phone(
                r.data.get("phone"), r.data.get("country_code") or "US", mobile_only=True
            )
            if check.outcome is not Outcome.FOUND:
                ctx.reject(r)
                invalid = r.with_(message=check.message)
                continue
        return Final(
            CellState.FOUND,
            {"phone": r.data.get("phone"), "country": r.data.get("country_code")},
            provider,
        )
    return _failure(errors, invalid, last)


PERSON_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "linkedin_url",
    "email",
    "company_name",
    "company_website",
)


async def _enrich_person(ctx: CellContext) -> Final:
    data = {k: _text(ctx.inputs.get(k)) for k in PERSON_FIELDS if _text(ctx.inputs.get(k))}
    mobile = bool(ctx.spec.params.get("enrich_mobile", False))
    r = await ctx.call(
        "prospeo",
        "enrich_person",
        lambda c: prospeo.enrich_person(c, data=data, enrich_mobile=mobile),
    )
    if r is None:
        return Final(CellState.NO_DATA)
    if r.outcome is not Outcome.FOUND:
        return _single(r)
    d = r.data
    return Final(
        CellState.FOUND,
        {
            "job_title": d.get("job_title"),
            "full_name": d.get("full_name"),
            "linkedin_url": d.get("linkedin_url"),
            "email": d.get("email"),
            "phone": d.get("phone"),
            "company": d.get("company_name"),
        },
        "prospeo",
    )


async def _ai_prompt(ctx: CellContext) -> Final:
    from clay_tui.enrich.spec import render_template

    p = {**ACTIONS["ai_prompt"].params, **ctx.spec.params}
    prompt = render_template(str(p["prompt"]), ctx.row)
    model, max_tokens = str(p["model"]), int(p["max_tokens"])
    system = p.get("system") or None
    fields = ai_schema.fields_of(p)
    fmt = ai_schema.response_format(fields, ctx.spec.name) if fields else None
    r = await ctx.call(
        "openai",
        model,
        lambda c: openai_compat.complete(
            c,
            prompt=prompt,
            model=model,
            max_tokens=max_tokens,
            system=system,
            response_format=fmt,
        ),
    )
    if r is None:
        return Final(CellState.NO_DATA)
    if r.outcome is not Outcome.FOUND:
        return _single(r)
    text = r.data.get("text")
    if not fields:
        return Final(CellState.FOUND, {"text": text}, "openai")
    values = ai_schema.parse(str(text), fields)
    if isinstance(values, str):  # not the shape asked for: rejected, so refunded
        ctx.reject(r)
        return Final(CellState.INVALID, provider="openai", error=values)
    return Final(CellState.FOUND, {"text": text, **values}, "openai")


async def _http_call(ctx: CellContext) -> Final:
    p = {**ACTIONS["http_call"].params, **ctx.spec.params}
    r = await ctx.http(
        method=str(p["method"]),
        url_template=str(p["url"]),
        headers=dict(p.get("headers") or {}),
        body_template=p.get("body"),
        json_path=p.get("json_path") or None,
        row=ctx.row,
    )
    if r.outcome is not Outcome.FOUND:
        return _single(r)
    return Final(CellState.FOUND, {"value": r.data.get("value")}, "http")


def _cleaning(fn: Callable[[CellContext], ProviderResult], out: str) -> Execute:
    """A free, offline action: no pool, no reservation, run inline."""

    async def run(ctx: CellContext) -> Final:
        r = fn(ctx)
        if r.outcome is not Outcome.FOUND:
            return _single(r)
        return Final(CellState.FOUND, {out: r.data.get(out)}, "cleaning")

    return run


def _phone(ctx: CellContext) -> ProviderResult:
    return cleaning.normalize_phone(
        ctx.inputs.get("value"),
        str(ctx.spec.params.get("default_region") or "US"),
        mobile_only=bool(ctx.spec.params.get("mobile_only", False)),
    )


def _email(ctx: CellContext) -> ProviderResult:
    return cleaning.validate_email_syntax(ctx.inputs.get("value"))


def _domain(ctx: CellContext) -> ProviderResult:
    return cleaning.normalize_domain(ctx.inputs.get("value"))


# Contact property -> the sample table's column, the mapping a new Send to HubSpot column starts
# from (the form and the recipe can change it).
DEFAULT_CRM_PROPERTIES = {
    "firstname": "first_name",
    "lastname": "last_name",
    "jobtitle": "title",
    "company": "company",
    "phone": "phone",
    "country": "country",
}


async def _send_to_crm(ctx: CellContext) -> Final:
    """Upsert the row as a contact (free); the cell keeps the CRM's record id and whether it
    was created or updated, or the property the CRM refused."""
    p = {**ACTIONS["send_to_crm"].params, **ctx.spec.params}
    email = _text(ctx.inputs.get("email")) or ""
    props = {
        str(prop): text
        for prop, column in dict(p.get("properties") or {}).items()
        if (text := _text(ctx.row.get(str(column)))) is not None
    }
    domain = domain_of(_text(ctx.inputs.get("company_domain")))
    record = CrmRecord(
        email=email,
        properties=props,
        company_domain=domain if p.get("associate_company", True) else None,
        company_name=_text(ctx.inputs.get("company")),
    )

    async def push(client: ProviderClient) -> ProviderResult:
        got = await crm.push(client, record)
        if got.error and not got.record_id:
            return client.error(
                "contacts_upsert",
                got.error_id or "refused",
                got.error,
                stop_provider=got.stop,
                unknown_outcome=got.unknown,
            )
        return client.result(
            Outcome.FOUND,
            "contacts_upsert",
            {
                "record_id": got.record_id,
                "result": "created" if got.created else "updated",
                "company_id": got.company_id,
                "note": got.error,
            },
        )

    target = (ctx.spec.providers or ACTIONS["send_to_crm"].providers)[0]
    r = await ctx.call(target, "contacts_upsert", push, cost=0)
    if r is None:
        return Final(CellState.NO_DATA)
    if r.outcome is not Outcome.FOUND:
        return _single(r)
    return Final(CellState.FOUND, dict(r.data), target)


# ------------------------------------------------------------------ registry

_NAME_INPUTS = (
    InputInfo("first_name", help="first name column"),
    InputInfo("last_name", help="last name column"),
    InputInfo("full_name", help="full name (instead of first + last)"),
)

ACTIONS: dict[str, ActionInfo] = {
    a.slug: a
    for a in (
        ActionInfo(
            slug="find_work_email",
            name="Find work email",
            kind="waterfall",
            description="Waterfall of email finders; each email is checked by Hunter's verifier.",
            inputs=(
                *_NAME_INPUTS,
                InputInfo("domain", help="company domain or website"),
                InputInfo("company", help="company name (if no domain)"),
            ),
            outputs={"email": "text", "score": "int", "provider": "text", "status": "text"},
            providers=("prospeo", "hunter"),  # the default waterfall; any allowed one can join
            allowed_providers=("prospeo", "hunter", "findymail", "leadmagic"),
            ops={"*": "email_finder"},
            validation="hunter.email_verifier",
            needs_any=(("first_name", "full_name"), ("domain", "company")),
            execute=_waterfall_email,
        ),
        ActionInfo(
            slug="verify_email",
            name="Verify email",
            kind="enrichment",
            description="A waterfall of email verifiers: the first definite verdict wins.",
            inputs=(InputInfo("email", True),),
            outputs={"status": "text", "score": "int"},
            providers=("hunter",),
            allowed_providers=("hunter", "zerobounce", "millionverifier"),
            ops={"*": "email_verifier"},
            execute=_verify_email,
        ),
        ActionInfo(
            slug="find_mobile",
            name="Find mobile number",
            kind="enrichment",
            description=(
                "Waterfall of mobile finders; optionally keep mobile numbers only (mobile_only)."
            ),
            inputs=(InputInfo("linkedin_url", True),),
            outputs={"phone": "text", "country": "text"},
            providers=("prospeo",),
            allowed_providers=("prospeo", "leadmagic"),
            ops={"*": "mobile_finder"},
            params={"mobile_only": False},
            execute=_find_mobile,
        ),
        ActionInfo(
            slug="enrich_person",
            name="Enrich person",
            kind="enrichment",
            description="Prospeo enrich-person.",
            inputs=tuple(InputInfo(n) for n in PERSON_FIELDS),
            outputs={
                "job_title": "text",
                "full_name": "text",
                "linkedin_url": "text",
                "email": "text",
                "phone": "text",
                "company": "text",
            },
            providers=("prospeo",),
            allowed_providers=("prospeo",),
            ops={"prospeo": "enrich_person"},
            params={"enrich_mobile": False},
            needs_any=(("linkedin_url", "email", "full_name", "first_name"),),
            execute=_enrich_person,
        ),
        ActionInfo(
            slug="ai_prompt",
            name="AI prompt",
            kind="ai",
            description="OpenAI-compatible chat completion of a {{column}} prompt template.",
            inputs=(),
            outputs={"text": "text"},
            providers=("openai",),
            allowed_providers=("openai",),
            params={
                "prompt": "",
                "model": "gpt-4o-mini",
                "max_tokens": 256,
                "system": "",
                "fields": {},  # structured answer: field -> type (ai_schema)
            },
            execute=_ai_prompt,
        ),
        ActionInfo(
            slug="http_call",
            name="HTTP/API call",
            kind="http",
            description=(
                "Free HTTP call: URL/body templates with {{column}}, a path into the JSON answer."
            ),
            inputs=(),
            outputs={"value": "text"},
            free=True,
            params={"method": "GET", "url": "", "headers": {}, "body": None, "json_path": ""},
            execute=_http_call,
        ),
        ActionInfo(
            slug="send_to_crm",
            name="Send to HubSpot",
            kind="crm",
            description="Upsert each row as a HubSpot contact (by email), with its company"
            " (by domain) associated. Free: no credits.",
            inputs=(
                InputInfo("email", True, help="the contact's email (its id in HubSpot)"),
                InputInfo("company_domain", help="company domain: find or create the company"),
                InputInfo("company", help="company name, for a company created by the push"),
            ),
            outputs={"record_id": "text", "result": "text", "company_id": "text", "note": "text"},
            providers=(hubspot_crm.PROVIDER,),  # a CRM adapter: providers/crm.py ADAPTERS
            allowed_providers=(hubspot_crm.PROVIDER,),
            free=True,
            params={"properties": DEFAULT_CRM_PROPERTIES, "associate_company": True},
            execute=_send_to_crm,
        ),
        ActionInfo(
            slug="normalize_phone",
            name="Normalize phone",
            kind="cleaning",
            description=(
                "E.164 via phonenumbers (default region); an invalid number is status invalid."
            ),
            inputs=(InputInfo("value", True),),
            outputs={"phone": "text"},
            free=True,
            params={"default_region": "US", "mobile_only": False},
            execute=_cleaning(_phone, "phone"),
        ),
        ActionInfo(
            slug="validate_email",
            name="Validate email syntax",
            kind="cleaning",
            description="Email syntax check without DNS; the normalized email.",
            inputs=(InputInfo("value", True),),
            outputs={"email": "text"},
            free=True,
            execute=_cleaning(_email, "email"),
        ),
        ActionInfo(
            slug="normalize_domain",
            name="Normalize domain",
            kind="cleaning",
            description="The bare domain of a URL, email or domain.",
            inputs=(InputInfo("value", True),),
            outputs={"domain": "text"},
            free=True,
            execute=_cleaning(_domain, "domain"),
        ),
        ActionInfo(
            slug="formula",
            name="Formula",
            kind="formula",
            description="A Polars SQL expression over the row, evaluated for all rows at once.",
            inputs=(),
            outputs={"value": "text"},
            free=True,
            params={"expression": ""},
            batch=formula.evaluate,
        ),
    )
}


def get_action(slug: str) -> ActionInfo | None:
    return ACTIONS.get(slug)
