"""A manifest provider's bulk endpoint (``[endpoints.<op>.bulk]``) in runs.

:class:`Lookup` is one row's call of a manifest provider. Called with a client it is
:func:`generic.call`; rows waiting on the provider's pool go together through
:meth:`Lookup.bulk` (the runner's bulk capability, as Prospeo's bulk-enrich-person): one
POST of up to ``max_records`` records, and each row answered as its own call would be:

- a record's answer (matched by its ``match_input`` value, an email say) is read by the
  endpoint's rules exactly like a single call's answer;
- a record named in the reply's ``errors``, or missing from the reply, is that row's error
  (free), not the batch's;
- a reply the rules call stop/error as a whole (a refused key), a timeout or a throttle
  still there after the client's retries, is every row's result (the client retries a
  throttled batch as a whole, like any request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from clay_tui.manifests import Bulk, classify, get_path, render, template_vars
from clay_tui.manifests.engine import missing_inputs
from clay_tui.providers import generic
from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import ProviderClient, parse_json


@dataclass(frozen=True)
class Lookup:
    """One row's ``operation`` with a manifest provider; ``bulk_size`` > 1 when the provider's
    manifest documents a bulk endpoint for it."""

    operation: str
    inputs: dict[str, Any] = field(default_factory=dict)
    bulk_size: int = 1

    async def __call__(self, client: ProviderClient) -> ProviderResult:
        return await generic.call(client, self.operation, self.inputs)

    @staticmethod
    async def bulk(client: ProviderClient, calls: Sequence[Lookup]) -> list[ProviderResult]:
        """One result per lookup, in order (operations apart, each in requests of at most
        the bulk endpoint's ``max_records``)."""
        out: dict[int, ProviderResult] = {}
        for op in dict.fromkeys(c.operation for c in calls):
            idx = [i for i, c in enumerate(calls) if c.operation == op]
            ep = client.manifest.endpoint(op) if client.manifest is not None else None
            spec = ep.bulk if ep is not None else None
            if spec is None:  # no bulk endpoint (after all): one call each
                for i in idx:
                    out[i] = await calls[i](client)
                continue
            group = _limit(client, op, spec)
            for start in range(0, len(idx), spec.max_records):
                part = idx[start : start + spec.max_records]
                if group is not None and not client.can_send_now(group):
                    # the bulk endpoint's per-minute limit binds: rather than wait for it,
                    # these rows go one request each (same verdicts, same price)
                    results = list(await asyncio.gather(*(calls[i](client) for i in part)))
                else:
                    results = await call_bulk(client, op, spec, [calls[i].inputs for i in part])
                out.update(zip(part, results, strict=True))
        return [out[i] for i in range(len(calls))]


def _limit(client: ProviderClient, operation: str, spec: Bulk) -> str | None:
    """The bulk endpoint's own limit group (its documented limits hold even when config sets
    none: ZeroBounce blocks a key for 10 minutes past 5 batches a minute)."""
    if not (spec.rate_per_second or spec.rate_per_minute):
        return None
    return client.limit_group(f"{operation}:bulk", spec.rate_per_second, spec.rate_per_minute, True)


def _norm(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


def _url(client: ProviderClient, spec: Bulk) -> str:
    """The bulk endpoint's own host in live mode when the provider's base_url is the
    manifest's; else (sandbox, a base_url set in config) a path on the client's base_url."""
    m = client.manifest
    if spec.base_url and not client.sandbox and m is not None and client.base_url == m.base_url:
        return spec.base_url + spec.path
    return spec.path


async def call_bulk(
    client: ProviderClient, operation: str, spec: Bulk, rows: Sequence[dict[str, Any]]
) -> list[ProviderResult]:
    """One bulk request for ``rows`` (at most ``spec.max_records``): one result per row."""
    m = client.manifest
    assert m is not None
    ep = m.endpoint(operation)
    assert ep is not None
    name = client.display
    results: dict[int, ProviderResult] = {}
    values = [template_vars(r) for r in rows]
    records: list[dict[str, Any]] = []
    sent: dict[int, str] = {}  # row -> its match value
    for i, v in enumerate(values):
        missing = missing_inputs(ep, v)
        if missing is not None or not v.get(spec.match_input):
            need = missing or (spec.match_input,)
            results[i] = client.error(
                operation,
                "missing_input",
                f"{name} needs {' or '.join(n.replace('_', ' ') for n in need)}.",
            )
            continue
        sent[i] = _norm(v[spec.match_input])
        records.append(render(spec.record, v))
    if not records:
        return [results[i] for i in range(len(rows))]
    body: dict[str, Any] = {spec.records: records}
    if spec.key_field:
        body[spec.key_field] = client.api_key
    limit = _limit(client, operation, spec)
    response = await client.request(
        "POST", _url(client, spec), action=operation, json=body, paid_post=True, limit=limit
    )
    if isinstance(response, ProviderResult):  # every row of the request: timeout, stopped...
        return [results.get(i, response) for i in range(len(rows))]
    status, reply = response.status_code, parse_json(response)
    answers = get_path(reply, spec.answers) if isinstance(reply, dict) else None
    rule = classify(m.rules_for(operation), status, reply)
    whole = rule is not None and rule.outcome in ("stop", "retry", "error")
    if whole or not isinstance(answers, list):  # the reply is not per record: it is every row's
        one = generic.read_answer(client, operation, values[0], status, reply, response)
        if one.outcome is not Outcome.ERROR:
            one = client.error(
                operation,
                "unexpected_answer",
                f"{name} answered its bulk request without the {spec.answers} list.",
            )
        return [results.get(i, one) for i in range(len(rows))]
    by_key: dict[str, Any] = {}
    for a in answers:
        if isinstance(a, dict):
            by_key.setdefault(_norm(get_path(a, spec.answer_key)), a)
    failed: dict[str, str] = {}
    errors = get_path(reply, spec.errors) if spec.errors else None
    for e in errors if isinstance(errors, list) else []:
        if isinstance(e, dict):
            said = e.get("error") or e.get("message") or "no reason given"
            failed.setdefault(_norm(get_path(e, spec.error_key)), str(said))
    for i, key in sent.items():
        if key in by_key:
            results[i] = generic.read_answer(client, operation, values[i], status, by_key[key])
        elif key in failed:
            said = client.redact_text(failed[key][:200]).rstrip(".")
            results[i] = client.error(
                operation, "bulk_record_error", f"{name} could not check this record: {said}."
            )
        else:
            results[i] = client.error(
                operation, "missing_from_answer", f"{name} left this record out of its answer."
            )
    return [results[i] for i in range(len(rows))]
