"""Small fake adapters for runner tests: outcomes scripted per person, calls recorded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from clay_tui.providers import generic, hunter, prospeo
from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.services import tables


class FakeWorld:
    """``finders[first_name][provider]`` is "valid" | "invalid" | "catch_all" | "none" | "error";
    the verifier answers by the email's local part (which says what the finder meant)."""

    def __init__(self, finders: dict[str, dict[str, str]]) -> None:
        self.finders = finders
        self.calls: list[tuple[str, str, str]] = []  # (provider, action, first_name or email)
        self.gates: dict[str, asyncio.Event] = {}  # provider -> calls wait until set
        self.on_call = None  # optional hook(provider, action, key)
        self.verify_errors: set[str] = set()  # first names whose verification fails (500)
        # one call per row, as these scripted scenarios count them (tests/unit/enrich/
        # test_prospeo_bulk.py runs the bulk requests against the sandbox)
        self.bulk = False

    async def _gate(self, provider: str) -> None:
        if provider in self.gates:
            await self.gates[provider].wait()

    async def find(self, provider: str, first_name: str | None) -> ProviderResult:
        self.calls.append((provider, "email_finder", first_name or ""))
        if self.on_call:
            self.on_call(provider, "email_finder", first_name)
        await self._gate(provider)
        what = self.finders.get(first_name or "", {}).get(provider, "none")
        if what == "none":
            return ProviderResult(Outcome.NO_DATA, provider, "email_finder", {})
        if what == "error":
            return ProviderResult(
                Outcome.ERROR,
                provider,
                "email_finder",
                {},
                error_id="http_500",
                message="The server failed.",
            )
        if what == "stopped":  # a bad key: the provider is out for the run
            return ProviderResult(
                Outcome.ERROR,
                provider,
                "email_finder",
                {},
                error_id="invalid_key",
                message="The key was refused.",
                stop_provider=True,
            )
        email = f"{first_name}.{what}.{provider}@example.com"
        data = {"email": email, "email_status": "VALID", "score": 90}
        return ProviderResult(Outcome.FOUND, provider, "email_finder", data, billable=True)

    async def verify(self, email: str) -> ProviderResult:
        self.calls.append(("hunter", "email_verifier", email))
        if self.on_call:
            self.on_call("hunter", "email_verifier", email)
        await self._gate("hunter")
        if email.split(".")[0] in self.verify_errors:
            return ProviderResult(
                Outcome.ERROR,
                "hunter",
                "email_verifier",
                {},
                error_id="http_500",
                message="The verifier failed.",
            )
        verdict = email.split(".")[1]
        status = {"valid": "valid", "invalid": "invalid", "catch_all": "accept_all"}[verdict]
        outcome = Outcome.INVALID if status == "invalid" else Outcome.FOUND
        return ProviderResult(
            outcome,
            "hunter",
            "email_verifier",
            {"status": status, "score": 80, "email": email},
            billable=True,
        )

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        async def h_find(client, *, first_name=None, **_kw):  # noqa: ANN001, ANN202
            return await self.find("hunter", first_name)

        async def p_find(client, *, first_name=None, **_kw):  # noqa: ANN001, ANN202
            return await self.find("prospeo", first_name)

        async def h_verify(client, *, email):  # noqa: ANN001, ANN202
            return await self.verify(email)

        async def g_call(client, operation, inputs):  # noqa: ANN001, ANN202
            # every provider spoken from its manifest (Findymail, LeadMagic, ...)
            assert operation == "email_finder", operation
            return await self.find(client.name, inputs.get("first_name"))

        monkeypatch.setattr(generic, "call", g_call)

        async def p_bulk(client, records, **_kw):  # noqa: ANN001, ANN202
            # Prospeo's bulk-enrich-person: the same answer per record as one call each
            return {k: await self.find("prospeo", r.get("first_name")) for k, r in records.items()}

        monkeypatch.setattr(hunter, "find_email", h_find)
        monkeypatch.setattr(prospeo, "find_email", p_find)
        monkeypatch.setattr(prospeo, "bulk_find_email", p_bulk)
        if not self.bulk:
            monkeypatch.setattr(prospeo.EmailLookup, "bulk_size", 1)
        monkeypatch.setattr(hunter, "verify_email", h_verify)

    def finder_calls(self, provider: str) -> list[str]:
        return [k for p, a, k in self.calls if p == provider and a == "email_finder"]


def people_table(
    ws,
    tmp_path: Path,
    names: list[str],
    *,
    extra: dict[str, list[str]] | None = None,
    name: str = "people",
):
    """A table with first_name, last_name, domain (+ extra columns), one row per name."""
    extra = extra or {}
    header = ["first_name", "last_name", "domain", *extra]
    lines = [",".join(header)]
    for i, n in enumerate(names):
        lines.append(",".join([n, "Doe", "example.com", *(extra[c][i] for c in extra)]))
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tables.import_table(ws, path, name=name)
