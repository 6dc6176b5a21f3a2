"""HubSpot as a CRM to push rows to: contacts upserted by email through the CRM v3 batch
upsert, their companies found by domain (CRM search) or created, and the two associated with
HubSpot's default contact-to-company association (v4).

Shapes: https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/
upsert-contacts and the companies search, batch create and associations pages beside it. A
batch holds at most 100 inputs. A 207 answer applied some inputs and names the refused ones
(``errors[].context.ids``) and their property (``errors[].errors[].in``): those rows get that
error, the others their record. Limits (Free/Starter private app): 100 requests per 10 s,
search 5 per second; the client keeps under both, and a 429 is retried after a pause.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import display_name, error_detail_of, parse_json
from clay_tui.providers.crm import ADAPTERS, CrmOutcome, CrmRecord

if TYPE_CHECKING:
    from clay_tui.providers.client import ProviderClient

PROVIDER = "hubspot"
BATCH = 100  # HubSpot's batch input limit
UPSERT = "/crm/v3/objects/contacts/batch/upsert"
SEARCH = "/crm/v3/objects/companies/search"
CREATE_COMPANIES = "/crm/v3/objects/companies/batch/create"
ASSOCIATE = "/crm/v4/associations/contacts/companies/batch/associate/default"
ACCOUNT = "/account-info/v3/details"


async def account(client: ProviderClient) -> ProviderResult:
    """``providers check``: the account details call, free and read-only."""
    res = await client.request("GET", ACCOUNT, action="account")
    if not hasattr(res, "status_code"):
        return res  # type: ignore[return-value]
    body = parse_json(res)  # type: ignore[arg-type]
    if res.status_code != 200:  # type: ignore[union-attr]
        return client.http_error("account", res, body)  # type: ignore[arg-type]
    if not isinstance(body, dict):
        return client.malformed("account")
    return client.result(
        Outcome.FOUND,
        "account",
        {"portal_id": body.get("portalId"), "account_type": body.get("accountType")},
    )


def _failed(res: Any, client: ProviderClient, action: str) -> CrmOutcome | None:
    """The outcome for every record of a batch when the whole call failed, else None."""
    if not hasattr(res, "status_code"):  # the client's own ERROR (gave up, stopped)
        return CrmOutcome(
            error=res.message,
            error_id=res.error_id,
            stop=res.stop_provider,
            unknown=res.unknown_outcome,
        )
    if res.status_code in (200, 201, 207):
        if isinstance(parse_json(res), dict):
            return None
        bad = client.malformed(action)
        return CrmOutcome(error=bad.message, error_id=bad.error_id)
    err = client.http_error(action, res, parse_json(res))
    return CrmOutcome(error=err.message, error_id=err.error_id, stop=err.stop_provider)


class HubSpotCrm:
    batch_size = BATCH

    def __init__(self, client: ProviderClient) -> None:
        self.client = client

    async def upsert(self, records: list[CrmRecord]) -> list[CrmOutcome]:
        emails = list(dict.fromkeys(r.email.strip().lower() for r in records))
        merged: dict[str, dict[str, str]] = {e: {} for e in emails}
        for r in records:  # two rows with one email: one input, the later values win
            merged[r.email.strip().lower()].update(r.properties)
        inputs = [{"idProperty": "email", "id": e, "properties": merged[e]} for e in emails]
        res = await self.client.request(
            "POST", UPSERT, action="contacts_upsert", json={"inputs": inputs}
        )
        failed = _failed(res, self.client, "contacts_upsert")
        if failed is not None:
            return [failed] * len(records)
        body = parse_json(res)  # type: ignore[arg-type]
        done: dict[str, CrmOutcome] = {}
        for item in body.get("results") or []:
            email = str((item.get("properties") or {}).get("email") or "").lower()
            if email and item.get("id") is not None:
                done[email] = CrmOutcome(record_id=str(item["id"]), created=bool(item.get("new")))
        for err in body.get("errors") or []:
            for rid in (err.get("context") or {}).get("ids") or []:
                done[str(rid).lower()] = _refusal(err)
        companies = await self._companies(records, done)
        out = []
        for r in records:
            email = r.email.strip().lower()
            got = done.get(email) or CrmOutcome(
                error="HubSpot's answer did not mention this contact.", error_id="missing"
            )
            company = companies.get(email)
            if got.record_id and company is not None:
                got = CrmOutcome(
                    record_id=got.record_id,
                    created=got.created,
                    company_id=company[0],
                    error=company[1],
                )
            out.append(got)
        return out

    async def _companies(
        self, records: list[CrmRecord], done: dict[str, CrmOutcome]
    ) -> dict[str, tuple[str | None, str | None]]:
        """email -> (company id, None) or (None, why not), for records with a domain whose
        contact was pushed: find each domain's company, create the missing ones, associate."""
        wanted = {
            r.email.strip().lower(): (r.company_domain.lower(), r.company_name)
            for r in records
            if r.company_domain and done.get(r.email.strip().lower(), CrmOutcome()).record_id
        }
        if not wanted:
            return {}
        domains = list(dict.fromkeys(d for d, _ in wanted.values()))
        ids: dict[str, str] = {}
        search = self.client.limit_group("search", 5, 300)
        res = await self.client.request(
            "POST",
            SEARCH,
            action="companies_search",
            limit=search,
            json={
                "filterGroups": [
                    {"filters": [{"propertyName": "domain", "operator": "IN", "values": domains}]}
                ],
                "properties": ["domain", "name"],
                "limit": 200,
            },
        )
        failed = _failed(res, self.client, "companies_search")
        if failed is not None:
            return {e: (None, f"Company not associated: {failed.error}") for e in wanted}
        for item in parse_json(res).get("results") or []:  # type: ignore[union-attr, arg-type]
            domain = str((item.get("properties") or {}).get("domain") or "").lower()
            ids.setdefault(domain, str(item.get("id")))
        missing = [d for d in domains if d not in ids]
        if missing:
            names = {d: n for d, n in wanted.values()}
            res = await self.client.request(
                "POST",
                CREATE_COMPANIES,
                action="companies_create",
                json={
                    "inputs": [
                        {"properties": {"domain": d, "name": names.get(d) or d}} for d in missing
                    ]
                },
            )
            failed = _failed(res, self.client, "companies_create")
            if failed is not None:
                why = f"Company not created: {failed.error}"
                return {e: (ids.get(d), None if d in ids else why) for e, (d, _) in wanted.items()}
            for item in parse_json(res).get("results") or []:  # type: ignore[union-attr, arg-type]
                domain = str((item.get("properties") or {}).get("domain") or "").lower()
                ids[domain] = str(item.get("id"))
        pairs = [
            {"from": {"id": done[e].record_id}, "to": {"id": ids[d]}}
            for e, (d, _) in wanted.items()
            if d in ids
        ]
        res = await self.client.request(
            "POST", ASSOCIATE, action="associate", json={"inputs": pairs}
        )
        failed = _failed(res, self.client, "associate")
        why = f"Company not associated: {failed.error}" if failed else None
        return {
            e: (ids.get(d), why) if d in ids else (None, "Company not found or created.")
            for e, (d, _) in wanted.items()
        }


def _refusal(err: dict[str, Any]) -> CrmOutcome:
    """One refused input of a 207: the property at fault and HubSpot's sentence."""
    inner = [e for e in err.get("errors") or [] if isinstance(e, dict)]
    prop = str(inner[0].get("in") or "") if inner else ""
    code = str(inner[0].get("code") or "") if inner else ""
    detail = error_detail_of({"status": "error", "message": err.get("message") or ""})
    where = f" (property {prop})" if prop else ""
    return CrmOutcome(
        error=f"{display_name('hubspot')} refused this contact{where}: {detail.rstrip('.')}.",
        error_id=code or str(err.get("category") or "refused"),
    )


ADAPTERS[PROVIDER] = HubSpotCrm
