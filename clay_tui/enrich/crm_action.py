"""Send to CRM: a free action that upserts each row as a contact in the CRM its provider names
(HubSpot today; a CRM adapter registers in providers/crm.py), batched by the adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clay_tui.domains import domain_of
from clay_tui.enrich.final import Final, from_result
from clay_tui.providers import crm, hubspot_crm
from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.crm import CrmRecord, text_of
from clay_tui.states import CellState

if TYPE_CHECKING:
    from clay_tui.enrich.action_info import CellContext
    from clay_tui.providers.client import ProviderClient

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
CRM_PARAMS: dict[str, Any] = {"properties": DEFAULT_CRM_PROPERTIES, "associate_company": True}


async def send_to_crm(ctx: CellContext) -> Final:
    """Upsert the row as a contact (free); the cell keeps the CRM's record id and whether it
    was created or updated, or the property the CRM refused."""
    p = {**CRM_PARAMS, **ctx.spec.params}
    email = text_of(ctx.inputs.get("email")) or ""
    props = {
        str(prop): text
        for prop, column in dict(p.get("properties") or {}).items()
        if (text := text_of(ctx.row.get(str(column)))) is not None
    }
    domain = domain_of(text_of(ctx.inputs.get("company_domain")))
    record = CrmRecord(
        email=email,
        properties=props,
        company_domain=domain if p.get("associate_company", True) else None,
        company_name=text_of(ctx.inputs.get("company")),
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

    target = (ctx.spec.providers or (hubspot_crm.PROVIDER,))[0]
    r = await ctx.call(target, "contacts_upsert", push, cost=0)
    if r is None:
        return Final(CellState.NO_DATA)
    if r.outcome is not Outcome.FOUND:
        return from_result(r)
    return Final(CellState.FOUND, dict(r.data), target)
