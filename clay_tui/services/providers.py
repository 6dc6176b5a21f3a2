"""Providers & keys: what each provider is set to, and connecting a key.

A connected key goes into this process's environment (``os.environ[api_key_env]``, where
:attr:`ProviderSettings.api_key` reads it first) and is saved for later sessions by
:mod:`clay_tui.keystore`: the OS keyring, or a 0600 file in the user config dir where no
keyring exists. Connecting also swaps the provider's entry in ``ws.settings`` (mode live,
own key or not) for this session; the runner builds its provider clients from
``ws.settings`` at the start of every run, so the next run uses it. No key is ever written
to a workspace or put into a status, a message or an error: a status says only whether a
key is set and where it comes from (env, keyring, file).
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

from clay_tui import keystore
from clay_tui.config import KNOWN_PROVIDERS, ProviderSettings, Settings
from clay_tui.errors import ClayError
from clay_tui.providers.base import Outcome, ProviderResult, redact, register_secret
from clay_tui.providers.client import display_name
from clay_tui.providers.registry import register_configured_keys
from clay_tui.sandbox.server import running_sandbox_url
from clay_tui.services.wrappers import blocking
from clay_tui.states import CellState
from clay_tui.workspace import Workspace
from clay_tui.workspace.backend import POSTGRESQL, has_table

# The one cheap call per provider that proves a key works (see check_key).
CHECK_CALLS = {
    "hunter": "GET /v2/account (plan and usage), which Hunter does not charge",
    "prospeo": "POST /account-information (plan and credits left), which Prospeo does not charge",
    "openai": "GET /v1/models (the models the key may use), which OpenAI does not charge",
    "hubspot": "GET /account-info/v3/details (the portal), which HubSpot does not charge",
}
CHECK_MODEL = "gpt-4o-mini"


@dataclass(frozen=True)
class ProviderStatus:
    """One provider as the user sees it; never holds a key, only whether one is set."""

    name: str
    display_name: str
    mode: str  # "sandbox" | "live"
    base_url: str | None  # what calls go to: the live API, or the sandbox's URL if it runs
    api_key_env: str
    key_set: bool  # a key is set: env var, keyring or key file (sandbox mode sends its own)
    own_key: bool  # calls cost no clay-tui credits
    connected: bool  # a key was connected on the keys screen in this session
    credits: dict[str, int] = field(default_factory=dict)  # per action, from config
    charge_on_no_data: bool = False
    rate_per_second: float = 0.0
    rate_per_minute: float = 0.0
    concurrency: int = 1
    timeout_s: float = 0.0
    last_error: str | None = None  # the latest stored cell error that names this provider
    last_error_at: str | None = None
    last_found_at: str | None = None
    key_source: str | None = None  # "env" | "keyring" | "file" | None (never the key)

    @property
    def key_label(self) -> str:
        """``HUNTER_API_KEY: set (keyring)`` / ``not set``: never the key itself."""
        if not self.api_key_env:
            return "none needed"
        where = {"env": "env var", "keyring": "OS keyring", "file": "key file"}.get(
            self.key_source or "", ""
        )
        state = f"set ({where})" if self.key_set else "not set"
        return f"{self.api_key_env}: {state}"

    @property
    def billing(self) -> str:
        return "own key (free)" if self.own_key else "clay-tui credits"

    @property
    def rate_label(self) -> str:
        parts = [
            f"{self.rate_per_second:g}/s" if self.rate_per_second else "",
            f"{self.rate_per_minute:g}/min" if self.rate_per_minute else "",
        ]
        return ", ".join(p for p in parts if p) or "no limit"

    @property
    def credits_label(self) -> str:
        if self.own_key:
            return "0 (own key)"
        return ", ".join(f"{k} {v}" for k, v in self.credits.items()) or "0"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "mode": self.mode,
            "base_url": self.base_url,
            "api_key_env": self.api_key_env,
            "key_set": self.key_set,
            "key_source": self.key_source,
            "own_key": self.own_key,
            "billing": self.billing,
            "connected": self.connected,
            "credits": dict(self.credits),
            "charge_on_no_data": self.charge_on_no_data,
            "rate_per_second": self.rate_per_second,
            "rate_per_minute": self.rate_per_minute,
            "concurrency": self.concurrency,
            "timeout_s": self.timeout_s,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "last_found_at": self.last_found_at,
        }


@dataclass
class _Connection:
    """What connect_key changed, so disconnect can put it back."""

    original: ProviderSettings  # the provider as config.toml set it
    env: str
    previous_env: str | None  # the env var's value before we set it (None: unset)
    stored: str | None = None  # where the key was saved: "keyring" | "file" | None


# Per open workspace: provider name -> what was changed. Memory only, gone with the process.
_CONNECTIONS: weakref.WeakKeyDictionary[Workspace, dict[str, _Connection]] = (
    weakref.WeakKeyDictionary()
)


def key_store_short() -> str:
    return "OS keyring" if keystore.keyring_available() else "key file (no OS keyring)"


def key_store_label() -> str:
    """Where a connected key is saved on this machine, for the keys screen to say."""
    if keystore.keyring_available():
        return "OS keyring"
    return (
        f"key file {keystore.KEY_FILE} in your config folder (readable only by you; no OS "
        f"keyring here)"
    )


def _provider(settings: Settings, name: str) -> ProviderSettings:
    name = (name or "").strip().lower()
    ps = settings.providers.get(name)
    if ps is None:
        known = ", ".join(sorted(settings.providers) or KNOWN_PROVIDERS)
        raise ClayError(f"Unknown provider {name!r} (known: {known}).")
    return ps


def _env_name(ps: ProviderSettings) -> str:
    return ps.api_key_env or f"{ps.name.upper()}_API_KEY"


def _health(ws: Workspace) -> dict[str, dict[str, str | None]]:
    """Latest error and latest success per provider, from stored cells (one scan)."""
    if not has_table(ws.db, "cells"):
        return {}
    out: dict[str, dict[str, str | None]] = {}
    if ws.dialect is POSTGRESQL:  # the latest row of each group, in PostgreSQL's words
        sql = (
            "SELECT DISTINCT ON (provider, status) provider, status, error, updated_at AS at"
            " FROM cells WHERE status IN (?, ?) AND provider IS NOT NULL"
            " ORDER BY provider, status, updated_at DESC"
        )
    else:  # SQLite's bare-column rule: `error` comes from the row holding MAX(updated_at).
        sql = (
            "SELECT provider, status, error, MAX(updated_at) AS at FROM cells "
            "WHERE status IN (?, ?) AND provider IS NOT NULL "
            "GROUP BY provider, status"
        )
    for row in ws.db.execute(sql, (CellState.ERROR, CellState.FOUND)):
        item = out.setdefault(row["provider"], {})
        if row["status"] == CellState.ERROR:  # redacted again: cells stored by older versions
            item["last_error"], item["last_error_at"] = redact(row["error"]), row["at"]
        else:
            item["last_found_at"] = row["at"]
    return out


def provider_overview(ws: Workspace) -> list[ProviderStatus]:
    """Every configured provider: mode, endpoint, key env var (set or not), billing, limits."""
    settings = ws.settings
    sandbox_url = running_sandbox_url(settings.sandbox) if settings.any_sandbox else None
    register_configured_keys(settings)
    health = _health(ws)
    connected = _CONNECTIONS.get(ws, {})
    names = [n for n in KNOWN_PROVIDERS if n in settings.providers]
    names += sorted(n for n in settings.providers if n not in KNOWN_PROVIDERS)
    out = []
    for name in names:
        ps = settings.providers[name]
        if ps.mode == "sandbox":
            base = f"{sandbox_url}/{name}" if sandbox_url else None
        else:
            base = ps.base_url or None
        seen = health.get(name, {})
        key, source = keystore.resolve(ps.api_key_env) if ps.api_key_env else (None, None)
        if name in connected and connected[name].stored:
            source = connected[name].stored  # we put it in the env for this session
        out.append(
            ProviderStatus(
                name=name,
                display_name=display_name(name),
                mode=ps.mode,
                base_url=base,
                api_key_env=ps.api_key_env,
                key_set=bool(key),
                key_source=source if key else None,
                own_key=ps.own_key,
                connected=name in connected,
                credits=dict(ps.credits),
                charge_on_no_data=ps.charge_on_no_data,
                rate_per_second=ps.rate_per_second,
                rate_per_minute=ps.rate_per_minute,
                concurrency=ps.concurrency,
                timeout_s=ps.timeout_s,
                last_error=seen.get("last_error"),
                last_error_at=seen.get("last_error_at"),
                last_found_at=seen.get("last_found_at"),
            )
        )
    return out


def _set_provider(ws: Workspace, ps: ProviderSettings) -> None:
    ws.settings = replace(ws.settings, providers={**ws.settings.providers, ps.name: ps})


def connect_key(
    ws: Workspace,
    provider: str,
    key: str,
    *,
    own_key: bool = True,
    live: bool = True,
    remember: bool = True,
) -> ProviderStatus:
    """Use ``key`` for ``provider`` (env var + ``ws.settings`` for this process) and, with
    ``remember``, save it for later sessions (OS keyring, else the 0600 key file).

    ``live``: calls go to the provider's real API (``base_url``) instead of the sandbox.
    ``own_key``: the calls run on the user's account, so they cost no clay-tui credits.
    """
    ps = _provider(ws.settings, provider)
    key = (key or "").strip()
    if not key:
        raise ClayError(f"Paste your {display_name(ps.name)} API key first.")
    if any(ch.isspace() for ch in key) or not key.isprintable():
        raise ClayError(
            f"That does not look like a {display_name(ps.name)} API key "
            f"(it contains spaces or line breaks)."
        )
    if live and not ps.base_url:
        raise ClayError(
            f"providers.{ps.name}.base_url is empty in the config, so there is no "
            f"live {display_name(ps.name)} API to call."
        )
    conns = _CONNECTIONS.setdefault(ws, {})
    env = _env_name(ps)
    if ps.name not in conns:
        conns[ps.name] = _Connection(original=ps, env=env, previous_env=os.environ.get(env))
    if remember:
        try:
            conns[ps.name].stored = keystore.save(env, key)
        except OSError as exc:
            raise ClayError(
                f"Could not save the {display_name(ps.name)} key "
                f"({exc.strerror or exc}); it was not connected."
            ) from None
    register_secret(key)
    os.environ[env] = key
    _set_provider(
        ws, replace(ps, api_key_env=env, own_key=own_key, mode="live" if live else ps.mode)
    )
    return next(s for s in provider_overview(ws) if s.name == ps.name)


def disconnect(ws: Workspace, provider: str) -> ProviderStatus:
    """Back to the config's settings for ``provider`` and its env var as it was before;
    a key saved in the keyring or key file is forgotten too."""
    ps = _provider(ws.settings, provider)
    conn = _CONNECTIONS.get(ws, {}).pop(ps.name, None)
    if conn is None:
        env = _env_name(ps)
        if keystore.load(env)[0] is not None:
            keystore.forget(env)
            return next(s for s in provider_overview(ws) if s.name == ps.name)
        raise ClayError(f"No key was connected for {display_name(ps.name)} in this session.")
    keystore.forget(conn.env)
    if conn.previous_env is None:
        os.environ.pop(conn.env, None)
    else:
        os.environ[conn.env] = conn.previous_env
    _set_provider(ws, conn.original)
    return next(s for s in provider_overview(ws) if s.name == ps.name)


def is_connected(ws: Workspace, provider: str) -> bool:
    return provider in _CONNECTIONS.get(ws, {})


async def _check_call(ws: Workspace, ps: ProviderSettings) -> ProviderResult:
    from clay_tui.providers import hubspot_crm, hunter, openai_compat, prospeo
    from clay_tui.providers.registry import Providers

    # One try: a key check should answer quickly, not sit through the run's retries.
    quick = replace(ps, max_retries=0, rate_per_second=0.0, rate_per_minute=0.0)
    settings = replace(ws.settings, providers={**ws.settings.providers, ps.name: quick})
    async with Providers(settings, max_wait_s=5.0) as providers:
        client = providers.client(ps.name)
        if ps.name == "hunter":
            return await hunter.account(client)  # free: no paid lookup to check a key
        if ps.name == "prospeo":
            return await prospeo.account(client)
        if ps.name == "hubspot":
            return await hubspot_crm.account(client)
        return await openai_compat.list_models(client)


def _scrub(text: str, ps: ProviderSettings) -> str:
    """Belt and braces: a message never shows the key, even if a provider echoed it."""
    key = keystore.resolve(ps.api_key_env)[0] if ps.api_key_env else None
    return redact(text, key)


async def check_key_async(ws: Workspace, provider: str) -> str:
    """One cheap real call through the adapter; "key accepted" or the adapter's one sentence.

    This is an explicit user action: on a live key it may use a little of the user's
    provider quota (see :data:`CHECK_CALLS`). It never costs clay-tui credits.
    """
    return (await check_key_result(ws, provider))[1]


async def check_key_result(ws: Workspace, provider: str) -> tuple[bool, str]:
    """(accepted, one sentence): :func:`check_key_async` for callers that style the answer."""
    ps = _provider(ws.settings, provider)
    if ps.name not in CHECK_CALLS:
        raise ClayError(f"There is no key check for {display_name(ps.name)}.")
    name = display_name(ps.name)
    try:
        result = await _check_call(ws, ps)
    except ClayError:
        raise
    except Exception as exc:  # noqa: BLE001 - a check must end in one sentence, not a traceback
        return False, f"Could not check the {name} key: {type(exc).__name__}."
    if result.outcome in (Outcome.FOUND, Outcome.NO_DATA, Outcome.INVALID):
        if ps.mode == "sandbox":
            return True, (
                f"The sandbox accepted the call ({name} is in sandbox mode, which "
                f"sends the sandbox key, not yours)."
            )
        return True, f"{name} key accepted (live, {ps.base_url})."
    message = result.message or f"{name} answered with an error ({result.error_id})."
    return False, _scrub(message, ps)


check_key = blocking(check_key_async)  # for callers without a running event loop (the CLI)
