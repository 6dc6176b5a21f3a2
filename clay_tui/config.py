"""Typed, validated settings read from config.toml.

Lookup order: an explicit ``--config PATH``, ``./config.toml``, the user config
directory, then the built-in defaults (``clay_tui/default_config.toml``, the same
file as the repository's ``config.toml``). An unknown key or a value of the wrong
type is a ``ConfigError`` naming the key and the file.
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

import msgspec
import platformdirs
from msgspec import Meta
from msgspec import inspect as mi

from clay_tui.errors import ConfigError
from clay_tui.manifests import Manifest, all_manifests
from clay_tui.toml_file import MAX_TOML_BYTES as MAX_TOML_BYTES  # (still importable from here)
from clay_tui.toml_file import MAX_TOML_DEPTH as MAX_TOML_DEPTH
from clay_tui.toml_file import read_toml

APP_NAME = "clay-tui"
DEFAULT_CONFIG = Path(__file__).with_name("default_config.toml")
KNOWN_PROVIDERS = ("hunter", "prospeo", "openai", "hubspot")  # the ones with adapters of their own
# [providers.http]: the HTTP/API action's own pool and limits (a free provider, kept apart from
# the paid ones in Settings.http); without the section, the limits it always had.
HTTP_PROVIDER = "http"
HTTP_DEFAULTS: dict[str, Any] = {"mode": "live", "concurrency": 10, "timeout_s": 20.0}
SANDBOX_KEY = "sandbox-key"  # the only key the bundled sandbox accepts (besides Hunter's test key)
SANDBOX_FAULTS = (
    "throttle_429",
    "forbidden_403",
    "server_error_500",
    "timeout",
    "malformed_json",
    "quota_exhausted",
)
MAX_CREDITS = 10**12  # any credit amount in the config (a plan, a trial, a price, a threshold)

# The settings below are validated by msgspec from these annotations (``parse_settings``);
# ``say`` picks the wording of a range error (see ``_range_error``).
Credits = Annotated[int, Meta(ge=0, le=MAX_CREDITS, extra={"say": "credits"})]


def _one_of(*values: str) -> Any:
    return Annotated[Literal[values], Meta(extra={"say": values})]  # the order to say them in


Billing = _one_of("monthly", "annual")
Mode = _one_of("sandbox", "live")


def _range(low: float, high: float, *, above: bool = False) -> Meta:
    return Meta(gt=low, le=high) if above else Meta(ge=low, le=high)


@dataclass(frozen=True)
class PlanSettings:
    name: str = "Starter"
    monthly_credits: Credits = 2000
    billing: Billing = "monthly"
    cycle_start: date = date(2026, 1, 1)
    trial_credits: Credits = 0  # granted once, on top of the plan, when the workspace is created


@dataclass(frozen=True)
class ProviderSettings:
    name: str
    mode: Mode = "sandbox"
    base_url: str = ""  # the live API's base; sandbox mode ignores it
    api_key_env: str = ""  # the environment variable holding the key; never the key itself
    own_key: bool = False  # the user's own key: calls cost no clay-tui credits
    credits: dict[str, Credits] = field(default_factory=dict)  # action/model -> per success
    charge_on_no_data: bool = False  # Clearbit-style providers charge even when nothing is found
    rate_per_second: Annotated[float, _range(0, 100_000)] = 0.0  # 0: no limit
    rate_per_minute: Annotated[float, _range(0, 6_000_000)] = 0.0
    concurrency: Annotated[int, _range(1, 1000)] = 5
    timeout_s: Annotated[float, _range(0, 3600, above=True)] = 20.0
    max_retries: Annotated[int, _range(0, 20)] = 3

    def credits_for(self, action: str) -> int:
        """Credits one successful call of ``action`` costs (0 on the user's own key)."""
        if self.own_key:
            return 0
        return int(self.credits.get(action, self.credits.get("default", 0)))

    @property
    def api_key(self) -> str | None:
        """The key to send: the sandbox's own key in sandbox mode, else the named env var,
        else a key saved from Providers & keys (OS keyring or the 0600 key file)."""
        if self.mode == "sandbox":
            return SANDBOX_KEY
        if not self.api_key_env:
            return None
        from clay_tui import keystore

        return keystore.resolve(self.api_key_env)[0]


@dataclass(frozen=True)
class RunSettings:
    test_rows: Annotated[int, Meta(ge=1, le=10**9, extra={"say": "credits"})] = 10
    confirm_above_credits: Credits = 100
    low_credit_warning: Credits = 200
    auto_update_daily_cap: Credits = 200  # credits auto-update may spend per table per day


@dataclass(frozen=True)
class SandboxSettings:
    port: Annotated[int, _range(0, 65535)] = 0  # 0: an ephemeral port
    latency_ms: Annotated[float, _range(0, 3_600_000)] = 100.0
    jitter_ms: Annotated[float, _range(0, 3_600_000)] = 30.0
    faults: dict[str, dict[str, float]] = field(default_factory=dict)  # provider -> fault -> rate


@dataclass(frozen=True)
class Settings:
    workspace: Path
    plan: PlanSettings
    providers: dict[str, ProviderSettings]
    run: RunSettings
    sandbox: SandboxSettings
    source: Path | None = None  # the file these came from
    # a team workspace (postgresql://user@host:port/db) instead of the folder above
    workspace_url: str | None = None
    # the member this process acts as (--user, CLAY_TUI_USER, else the login name)
    user: str = ""
    http: ProviderSettings = field(
        default_factory=lambda: ProviderSettings(name=HTTP_PROVIDER, **HTTP_DEFAULTS)
    )

    @property
    def any_sandbox(self) -> bool:
        return any(p.mode == "sandbox" for p in self.providers.values())


# ---------------------------------------------------------------- validation
# The TOML document is converted by msgspec into strict Structs made from the dataclasses
# above (unknown keys refused); a msgspec error (``Expected `int` >= 0 - at `$.plan.x` ``)
# is then said again as one sentence naming the key and the file, from the field's type.

Rate = Annotated[float, Meta(ge=0, le=1, extra={"say": "between"})]
_Unset = msgspec.UnsetType


def _strict(cls: type, name: str, skip: tuple[str, ...] = (), **types: Any) -> Any:
    """A Struct with ``cls``'s fields (types, constraints and defaults), refusing unknown keys;
    ``types`` replaces a field's type (and its default by that type's empty value)."""
    hints = get_type_hints(cls, include_extras=True)
    fields = []
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        if f.name in types:
            fields.append((f.name, types[f.name], msgspec.field(default_factory=types[f.name])))
        elif f.default is not dataclasses.MISSING:
            fields.append((f.name, hints[f.name], f.default))
        else:
            fields.append((f.name, hints[f.name], msgspec.field(default_factory=f.default_factory)))
    return msgspec.defstruct(name, fields, forbid_unknown_fields=True)


def _each(name: str, keys: tuple[str, ...], kind: Any) -> Any:
    """A Struct with one optional field of type ``kind`` per key (present keys only)."""
    fields = [(k, kind | _Unset, msgspec.UNSET) for k in keys]
    return msgspec.defstruct(name, fields, forbid_unknown_fields=True)


_Sections = {
    "workspace": _each("workspace", ("path", "url"), str),
    "plan": _strict(PlanSettings, "plan"),
    # providers by name: any with a manifest (built-in or the user's), checked after conversion
    "providers": dict[str, _strict(ProviderSettings, "p", ("name",))],
    "run": _strict(RunSettings, "run"),
    "sandbox": _strict(
        SandboxSettings,
        "sandbox",
        faults=dict[str, _each("rates", SANDBOX_FAULTS, Rate)],
    ),
}
_Doc = msgspec.defstruct(
    "config",
    [(k, t, msgspec.field(default_factory=t)) for k, t in _Sections.items()],
    forbid_unknown_fields=True,
)
_TYPE_NAMES = {
    mi.IntType: "a whole number",
    mi.FloatType: "a number",
    mi.StrType: "text",
    mi.LiteralType: "text",
    mi.BoolType: "true or false",
    mi.DateType: "a date (YYYY-MM-DD)",
}
_ERROR = re.compile(  # what went wrong, then where: `$` and field names or `[...]` (dict keys)
    r"(?P<what>.*?)(?: - at `\$(?P<at>(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\.\.\.\])*)`)?", re.DOTALL
)


def _as_dict(struct: Any) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(struct).items() if v is not msgspec.UNSET}


def _bare(node: Any) -> tuple[Any, dict[str, Any]]:
    """A type node without its metadata or its ``| UNSET``, and the metadata's extra."""
    extra: dict[str, Any] = {}
    while True:
        if isinstance(node, mi.Metadata):
            extra |= node.extra or {}
            node = node.type
        elif isinstance(node, mi.UnionType):
            node = next(t for t in node.types if not isinstance(t, mi.UnsetType))
        else:
            return node, extra


def _explain(exc: msgspec.ValidationError, raw: dict[str, Any], src: str) -> ConfigError:
    """The one sentence for a msgspec error: the key (dotted), what it must be, the value."""
    match = _ERROR.fullmatch(str(exc))
    try:
        return ConfigError(f"{src}: {_sentence(match['what'], match['at'] or '', raw)}.")
    except Exception:  # a message this does not know: msgspec's own words, still one line
        return ConfigError(f"{src}: {' '.join(str(exc).split())}.")


def _sentence(what: str, at: str, raw: dict[str, Any]) -> str:
    node, value, keys = mi.type_info(_Doc), raw, []
    for part in re.findall(r"\.([^.\[]+)|\[\.\.\.\]", at):
        node, _ = _bare(node)
        if isinstance(node, mi.DictType):  # a `[...]`: the first entry that fails is the one
            node = node.value_type
            part = next(k for k, v in value.items() if not _fits(v, node))
        else:
            node = next(f.type for f in node.fields if f.name == part)
        keys.append(part)
        value = value.get(part) if isinstance(value, dict) else None
    node, extra = _bare(node)
    key = ".".join(keys)
    if what.startswith("Object contains unknown field"):  # the name from the document itself
        known = {f.name for f in node.fields}
        return _unknown(key, next(k for k in value if k not in known), node)
    if isinstance(node, (mi.StructType, mi.DictType)) and not isinstance(value, dict):
        if isinstance(node, mi.DictType) or key == "sandbox.faults":
            return f"{key} must be a table, not {value!r}"
        if key.startswith("sandbox.faults."):
            return f"{key} must be a table"
        return f"[{key}] must be a table"
    if isinstance(node, mi.LiteralType) and isinstance(value, str):
        return f"{key} must be one of {', '.join(extra.get('say') or node.values)}, not {value!r}"
    if isinstance(node, mi.FloatType) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    number = isinstance(value, float if isinstance(node, mi.FloatType) else int)
    if isinstance(node, (mi.IntType, mi.FloatType)) and number and not isinstance(value, bool):
        return f"{key} must {_range_error(node, extra, value)}, not {value!r}"
    return f"{key} must be {_TYPE_NAMES[type(node)]}, not {value!r}"


def _fits(value: Any, node: Any) -> bool:
    """Whether ``value`` converts to ``node``: a number type or a Struct (a dict field's
    values: credits per action, a provider's table, a provider's fault rates)."""
    node, _ = _bare(node)
    if isinstance(node, mi.StructType):
        target: Any = node.cls
    else:
        cls = int if isinstance(node, mi.IntType) else float
        target = Annotated[cls, Meta(ge=node.ge, gt=node.gt, le=node.le)]
    try:
        msgspec.convert(value, target)
    except msgspec.ValidationError:
        return False
    return True


def _unknown(at: str, name: str, node: Any) -> str:
    known = [f.name for f in node.fields]
    if not at:
        return f"unknown section [{name}] (known: {', '.join(sorted(known))})"
    if at == "providers":
        return f"unknown provider [providers.{name}] (known: {', '.join(known)})"
    if at == "sandbox.faults":
        return f"unknown provider sandbox.faults.{name} (known: {', '.join(known)})"
    if at.startswith("sandbox.faults."):
        return f"unknown key {at}.{name} (known: {', '.join(known)})"
    return f"unknown key {at}.{name} (known keys: {', '.join(sorted(known))})"


def _range_error(node: Any, extra: dict[str, Any], value: float) -> str:
    if extra.get("say") == "between":
        return f"be between {node.ge} and {node.le}"
    if extra.get("say") == "credits" and value < 0:
        return "not be negative"
    low = node.gt if node.gt is not None else node.ge
    lower = f"above {low:,}" if node.gt is not None else f"at least {low:,}"
    return f"be {lower} and at most {node.le:,}"


def parse_settings(
    raw: dict[str, Any],
    src: str,
    workspace_override: Path | str | None = None,
    *,
    user: str | None = None,
) -> Settings:
    """Validate a parsed TOML document into ``Settings``."""
    plan_raw = raw.get("plan")
    if isinstance(plan_raw, dict) and isinstance(plan_raw.get("cycle_start"), datetime):
        raw = {**raw, "plan": {**plan_raw, "cycle_start": plan_raw["cycle_start"].date()}}
    try:
        doc = msgspec.convert(raw, _Doc)
    except msgspec.ValidationError as exc:
        raise _explain(exc, raw, src) from None

    manifests = all_manifests()  # every provider: built-in and the user's own manifests
    known = ", ".join(manifests)
    faults = {prov: _as_dict(rates) for prov, rates in dict(doc.sandbox.faults).items()}
    for prov, rates in faults.items():
        if prov not in manifests:
            raise ConfigError(f"{src}: unknown provider sandbox.faults.{prov} (known: {known}).")
        total = sum(rates.values())
        if total > 1.0 + 1e-9:
            raise ConfigError(
                f"{src}: the fault rates in sandbox.faults.{prov} add up to "
                f"{total:g}; together they must be at most 1."
            )
    providers: dict[str, ProviderSettings] = {}
    for name, struct in dict(doc.providers).items():
        if name == HTTP_PROVIDER:
            continue
        if name not in manifests:
            raise ConfigError(f"{src}: unknown provider [providers.{name}] (known: {known}).")
        said = raw["providers"][name]  # the keys config.toml gives win over the manifest's
        values = {k: v for k, v in _as_dict(struct).items() if k in said}
        base = _manifest_defaults(manifests[name])
        credits = {**base.pop("credits"), **values.pop("credits", {})}
        providers[name] = ProviderSettings(name=name, credits=credits, **{**base, **values})
    # A provider config.toml does not mention follows the ones it does: sandbox while any is
    # in sandbox mode, else live (a live table never gets a sandbox provider's fake data).
    mode = "sandbox" if any(p.mode == "sandbox" for p in providers.values()) else "live"
    mode = mode if providers else "sandbox"
    for name, manifest in manifests.items():
        providers.setdefault(
            name, ProviderSettings(name=name, mode=mode, **_manifest_defaults(manifest))
        )
    # [providers.http]: the HTTP action's pool (a free provider kept apart in Settings.http)
    said_http = raw.get("providers", {}).get(HTTP_PROVIDER) or {}
    given_http = dict(doc.providers).get(HTTP_PROVIDER)
    http_values = (
        {k: v for k, v in _as_dict(given_http).items() if k in said_http}
        if given_http is not None
        else {}
    )
    http = ProviderSettings(HTTP_PROVIDER, **{**HTTP_DEFAULTS, **http_values})

    path = getattr(doc.workspace, "path", msgspec.UNSET)
    given_url = getattr(doc.workspace, "url", msgspec.UNSET)
    url = None
    if workspace_override is not None:
        workspace = workspace_override
    elif os.environ.get("CLAY_TUI_WORKSPACE"):
        workspace = os.environ["CLAY_TUI_WORKSPACE"]  # a folder or a postgresql:// URL
    elif given_url and given_url is not msgspec.UNSET:
        workspace = url = _workspace_url(given_url, f"{src}: workspace.url")
    elif path and path is not msgspec.UNSET:
        workspace = Path(os.path.expanduser(path))
    else:
        workspace = Path(platformdirs.user_data_dir(APP_NAME))
    if isinstance(workspace, str):
        if "://" in workspace:
            url = _workspace_url(workspace, "The workspace")
        workspace = Path(workspace)
    if url is not None:  # the folder is then only where local things go (never the tables)
        workspace = Path(platformdirs.user_data_dir(APP_NAME))

    return Settings(
        user=member_name(user),
        workspace_url=url,
        workspace=workspace,
        plan=PlanSettings(**_as_dict(doc.plan)),
        providers=providers,
        run=RunSettings(**_as_dict(doc.run)),
        sandbox=SandboxSettings(**{**_as_dict(doc.sandbox), "faults": faults}),
        source=None if src == "<defaults>" else Path(src),
        http=http,
    )


def member_name(given: str | None = None) -> str:
    """Who this process acts as in a workspace: ``--user``, CLAY_TUI_USER, else the login
    name."""
    name = (given or os.environ.get("CLAY_TUI_USER", "")).strip()
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no login name (a container with an unknown uid)
            name = "unknown"
    if len(name) > 64 or any(not (c.isalnum() or c in "._-@+") for c in name):
        raise ConfigError(
            f"The member name {name[:64]!r} may hold only letters, digits and . _ - @ +, at most "
            "64 characters."
        )
    return name


def _workspace_url(text: str, where: str) -> str:
    """A team workspace URL, checked for its scheme (the server is asked only when opened)."""
    text = text.strip()
    if not text.lower().startswith(("postgresql://", "postgres://")):
        scheme = text.split("://", 1)[0]
        raise ConfigError(
            f"{where} {scheme}://... is not a folder or a postgresql:// URL: team workspaces "
            "live in PostgreSQL."
        )
    return text


def _manifest_defaults(m: Manifest) -> dict[str, Any]:
    """A provider's settings as its manifest gives them (config.toml's values win)."""
    return {
        "base_url": m.base_url,
        "api_key_env": m.api_key_env,
        "own_key": m.own_key,
        "credits": m.credits(),
        "rate_per_second": m.rate_per_second,
        "rate_per_minute": m.rate_per_minute,
        "concurrency": m.concurrency,
        "timeout_s": m.timeout_s,
    }


def find_config(explicit: Path | None = None) -> Path:
    """The config file to read: explicit, ./config.toml, user config dir, built-in defaults."""
    if explicit is not None:
        if explicit.is_dir():
            raise ConfigError(f"Config file {explicit} is a folder, not a file.")
        if not explicit.is_file():
            raise ConfigError(f"Config file {explicit} does not exist.")
        return explicit
    for candidate in (
        Path.cwd() / "config.toml",
        Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml",
    ):
        if candidate.is_file():
            return candidate
    return DEFAULT_CONFIG


def load_settings(
    path: Path | None = None, workspace: Path | str | None = None, *, user: str | None = None
) -> Settings:
    """Read and validate settings; ``workspace`` overrides every other workspace source."""
    found = find_config(path)
    src = str(found)
    raw = read_toml(found, "Config file")
    return parse_settings(raw, src, workspace, user=user)
