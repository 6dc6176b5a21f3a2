"""The built-in actions: what each needs, fills, costs, and how one cell runs.

An action's ``execute`` coroutine holds the per-cell logic (waterfall order,
validation, catch-all rule); every paid call goes through ``ctx.call`` so the
runner can reserve, record the attempt and queue it on the provider's pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from clay_tui.enrich import ai_schema, crm_action, formula
from clay_tui.enrich.action_info import (  # noqa: F401 - the types, importable from here too
    VERIFIER,
    ActionInfo,
    BatchExecute,
    CellContext,
    Execute,
    InputInfo,
)
from clay_tui.enrich.final import Final, from_result
from clay_tui.enrich.typical_rates import (  # noqa: F401 - moved there, kept importable here
    TYPICAL_HIT_RATE,
    TYPICAL_VALID_RATE,
)
from clay_tui.providers import cleaning, dispatch, hubspot_crm, hunter, openai_compat, prospeo
from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.states import CellState

if TYPE_CHECKING:
    from clay_tui.providers.client import ProviderClient

# A finder result that validation rejects is refunded when the provider refunds (legacy
# default: every listed provider does). Clearbit-style providers would say False here.
# An AI answer that does not follow its column's schema is refunded too (ai_schema).
REFUND_ON_INVALID: dict[str, bool] = {"hunter": True, "prospeo": True, "openai": True}


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
    return from_result(r)


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
        return from_result(r)
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
        return from_result(r)
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
        return from_result(r)
    return Final(CellState.FOUND, {"value": r.data.get("value")}, "http")


def _cleaning(fn: Callable[[CellContext], ProviderResult], out: str) -> Execute:
    """A free, offline action: no pool, no reservation, run inline."""

    async def run(ctx: CellContext) -> Final:
        r = fn(ctx)
        if r.outcome is not Outcome.FOUND:
            return from_result(r)
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
            # the default waterfall: every built-in email finder (issue 11: at least 3 deep)
            providers=("prospeo", "hunter", "findymail", "leadmagic"),
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
            providers=("hunter", "zerobounce", "millionverifier"),  # "unknown" asks the next
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
            providers=("prospeo", "leadmagic"),
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
            params=crm_action.CRM_PARAMS,
            execute=crm_action.send_to_crm,
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
