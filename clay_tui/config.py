"""Typed, validated settings read from config.toml.

Lookup order: an explicit ``--config PATH``, ``./config.toml``, the user config
directory, then the built-in defaults (``clay_tui/default_config.toml``, the same
file as the repository's ``config.toml``). An unknown key or a value of the wrong
type is a ``ConfigError`` naming the key and the file.
"""

from __future__ import annotations

import getpass
import math
import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import platformdirs

from clay_tui.errors import ConfigError

APP_NAME = "clay-tui"
DEFAULT_CONFIG = Path(__file__).with_name("default_config.toml")
KNOWN_PROVIDERS = ("hunter", "prospeo", "openai")
SANDBOX_KEY = "sandbox-key"  # the only key the bundled sandbox accepts (besides Hunter's test key)
SANDBOX_FAULTS = (
    "throttle_429",
    "forbidden_403",
    "server_error_500",
    "timeout",
    "malformed_json",
    "quota_exhausted",
)


@dataclass(frozen=True)
class PlanSettings:
    name: str = "Starter"
    monthly_credits: int = 2000
    billing: str = "monthly"  # "monthly" | "annual"
    cycle_start: date = date(2026, 1, 1)
    trial_credits: int = 0  # granted once, on top of the plan, when the workspace is created


@dataclass(frozen=True)
class ProviderSettings:
    name: str
    mode: str = "sandbox"  # "sandbox" | "live"
    base_url: str = ""  # the live API's base; sandbox mode ignores it
    api_key_env: str = ""  # the environment variable holding the key; never the key itself
    own_key: bool = False  # the user's own key: calls cost no clay-tui credits
    credits: dict[str, int] = field(default_factory=dict)  # action/model -> credits per success
    charge_on_no_data: bool = False  # Clearbit-style providers charge even when nothing is found
    rate_per_second: float = 0.0  # 0: no limit
    rate_per_minute: float = 0.0
    concurrency: int = 5
    timeout_s: float = 20.0
    max_retries: int = 3

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
    test_rows: int = 10
    confirm_above_credits: int = 100
    low_credit_warning: int = 200
    auto_update_daily_cap: int = 200  # credits auto-update may spend per table per day


@dataclass(frozen=True)
class SandboxSettings:
    port: int = 0  # 0: an ephemeral port
    latency_ms: float = 100.0
    jitter_ms: float = 30.0
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

    @property
    def any_sandbox(self) -> bool:
        return any(p.mode == "sandbox" for p in self.providers.values())


# ---------------------------------------------------------------- reading TOML safely

MAX_TOML_BYTES = 1_000_000  # a config file or a recipe
MAX_TOML_DEPTH = 50  # nested tables and arrays


def _toml_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings and comments (a linear scan)."""
    depth = deepest = 0
    quote = ""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\" and quote in ('"', '"""'):
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif ch == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        elif ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest


def read_toml(path: Path, what: str, error: type[Exception] = ConfigError) -> dict[str, Any]:
    """A TOML file as a dict, size- and depth-checked before parsing; ``error`` (one sentence
    naming ``what`` and the file) for anything wrong: missing, a folder, too big, too deep,
    not UTF-8, not TOML."""
    path = Path(path)
    if path.is_dir():
        raise error(f"{what} {path} is a folder, not a file.")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist.") from None
    except OSError as exc:
        raise error(f"{what} {path} cannot be read: {exc.strerror or exc}.") from None
    if size > MAX_TOML_BYTES:
        raise error(f"{what} {path} is too big ({size:,} bytes; at most {MAX_TOML_BYTES:,}).")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{what} {path} is not UTF-8 text.") from None
    except OSError as exc:
        raise error(f"{what} {path} cannot be read: {exc.strerror or exc}.") from None
    if "\x00" in text:
        raise error(f"{what} {path} is not a text file (it contains NUL bytes).")
    depth = _toml_depth(text)
    if depth > MAX_TOML_DEPTH:
        raise error(
            f"{what} {path} is nested too deep ({depth} levels of tables or arrays; "
            f"at most {MAX_TOML_DEPTH})."
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path} is not valid TOML: {exc}.") from None
    except RecursionError:
        raise error(f"{what} {path} is nested too deep to read.") from None


# ---------------------------------------------------------------- validation


def _type_name(expected: Any) -> str:
    names = {
        int: "a whole number",
        float: "a number",
        str: "text",
        bool: "true or false",
        date: "a date (YYYY-MM-DD)",
        dict: "a table",
    }
    return names.get(expected, str(expected))


def _check(value: Any, expected: type, key: str, src: str) -> Any:
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is int and isinstance(value, bool):
        raise ConfigError(f"{src}: {key} must be {_type_name(int)}, not {value!r}.")
    if expected is date and isinstance(value, datetime):
        return value.date()
    if expected is date and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{src}: {key} must be {_type_name(date)}, not {value!r}.") from None
    if not isinstance(value, expected):
        raise ConfigError(f"{src}: {key} must be {_type_name(expected)}, not {value!r}.")
    return value


def _section(
    raw: dict[str, Any], name: str, fields: dict[str, type], src: str, prefix: str = ""
) -> dict[str, Any]:
    table = raw.get(name, {})
    dotted = f"{prefix}{name}"
    if not isinstance(table, dict):
        raise ConfigError(f"{src}: [{dotted}] must be a table.")
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{src}: unknown key {dotted}.{key} (known keys: {known}).")
        out[key] = _check(value, fields[key], f"{dotted}.{key}", src)
    return out


def _one_of(value: str, allowed: tuple[str, ...], key: str, src: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{src}: {key} must be one of {', '.join(allowed)}, not {value!r}.")
    return value


def _non_negative(value: float, key: str, src: str) -> None:
    if value < 0:
        raise ConfigError(f"{src}: {key} must not be negative, not {value!r}.")
    _in_range(value, 0, MAX_CREDITS, key, src)


MAX_CREDITS = 10**12  # any credit amount in the config (a plan, a trial, a price, a threshold)


def _in_range(
    value: float, low: float, high: float, key: str, src: str, *, above: bool = False
) -> None:
    """ConfigError unless ``low <= value <= high`` (``low < value`` with ``above``), finite."""
    ok = math.isfinite(value) and (value > low if above else value >= low) and value <= high
    if not ok:
        lower = f"above {low:,}" if above else f"at least {low:,}"
        raise ConfigError(f"{src}: {key} must be {lower} and at most {high:,}, not {value!r}.")


_TOP = {"workspace", "plan", "providers", "run", "sandbox"}
_WORKSPACE = {"path": str, "url": str}
_PLAN = {
    "name": str,
    "monthly_credits": int,
    "billing": str,
    "cycle_start": date,
    "trial_credits": int,
}
_PROVIDER = {
    "mode": str,
    "base_url": str,
    "api_key_env": str,
    "own_key": bool,
    "credits": dict,
    "charge_on_no_data": bool,
    "rate_per_second": float,
    "rate_per_minute": float,
    "concurrency": int,
    "timeout_s": float,
    "max_retries": int,
}
_RUN = {
    "test_rows": int,
    "confirm_above_credits": int,
    "low_credit_warning": int,
    "auto_update_daily_cap": int,
}
_SANDBOX = {"port": int, "latency_ms": float, "jitter_ms": float, "faults": dict}


def parse_settings(
    raw: dict[str, Any],
    src: str,
    workspace_override: Path | str | None = None,
    *,
    user: str | None = None,
) -> Settings:
    """Validate a parsed TOML document into ``Settings``."""
    for key in raw:
        if key not in _TOP:
            raise ConfigError(f"{src}: unknown section [{key}] (known: {', '.join(sorted(_TOP))}).")

    ws = _section(raw, "workspace", _WORKSPACE, src)
    plan = _section(raw, "plan", _PLAN, src)
    if "billing" in plan:
        _one_of(plan["billing"], ("monthly", "annual"), "plan.billing", src)
    for k in ("monthly_credits", "trial_credits"):
        if k in plan:
            _non_negative(plan[k], f"plan.{k}", src)
    run = _section(raw, "run", _RUN, src)
    for k, v in run.items():
        _non_negative(v, f"run.{k}", src)
    if "test_rows" in run:
        _in_range(run["test_rows"], 1, 10**9, "run.test_rows", src)
    sandbox = _section(raw, "sandbox", _SANDBOX, src)
    if "port" in sandbox:
        _in_range(sandbox["port"], 0, 65535, "sandbox.port", src)
    for k in ("latency_ms", "jitter_ms"):
        if k in sandbox:
            _in_range(sandbox[k], 0, 3_600_000, f"sandbox.{k}", src)
    faults: dict[str, dict[str, float]] = {}
    for prov, table in sandbox.pop("faults", {}).items():
        if prov not in KNOWN_PROVIDERS:
            raise ConfigError(
                f"{src}: unknown provider sandbox.faults.{prov} "
                f"(known: {', '.join(KNOWN_PROVIDERS)})."
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{src}: sandbox.faults.{prov} must be a table.")
        faults[prov] = {}
        for fault, rate in table.items():
            key = f"sandbox.faults.{prov}.{fault}"
            if fault not in SANDBOX_FAULTS:
                raise ConfigError(f"{src}: unknown key {key} (known: {', '.join(SANDBOX_FAULTS)}).")
            rate = _check(rate, float, key, src)
            if not 0.0 <= rate <= 1.0:
                raise ConfigError(f"{src}: {key} must be between 0 and 1, not {rate!r}.")
            faults[prov][fault] = rate
        total = sum(faults[prov].values())
        if total > 1.0 + 1e-9:
            raise ConfigError(
                f"{src}: the fault rates in sandbox.faults.{prov} add up to "
                f"{total:g}; together they must be at most 1."
            )

    providers_raw = raw.get("providers", {})
    if not isinstance(providers_raw, dict):
        raise ConfigError(f"{src}: [providers] must be a table.")
    providers: dict[str, ProviderSettings] = {}
    for name in providers_raw:
        if name not in KNOWN_PROVIDERS:
            raise ConfigError(
                f"{src}: unknown provider [providers.{name}] (known: {', '.join(KNOWN_PROVIDERS)})."
            )
        values = _section(providers_raw, name, _PROVIDER, src, prefix="providers.")
        if "mode" in values:
            _one_of(values["mode"], ("sandbox", "live"), f"providers.{name}.mode", src)
        credits = {}
        for action, cost in values.pop("credits", {}).items():
            cost = _check(cost, int, f"providers.{name}.credits.{action}", src)
            _non_negative(cost, f"providers.{name}.credits.{action}", src)
            credits[action] = cost
        limits = {
            "rate_per_second": (0, 100_000, False),
            "rate_per_minute": (0, 6_000_000, False),
            "timeout_s": (0, 3600, True),
            "max_retries": (0, 20, False),
            "concurrency": (1, 1000, False),
        }
        for k, (low, high, above) in limits.items():
            if k in values:
                _in_range(values[k], low, high, f"providers.{name}.{k}", src, above=above)
        providers[name] = ProviderSettings(name=name, credits=credits, **values)
    for name in KNOWN_PROVIDERS:
        providers.setdefault(name, ProviderSettings(name=name))

    url = None
    if workspace_override is not None:
        workspace = workspace_override
    elif os.environ.get("CLAY_TUI_WORKSPACE"):
        workspace = os.environ["CLAY_TUI_WORKSPACE"]
    elif ws.get("url"):
        workspace = url = _workspace_url(ws["url"], f"{src}: workspace.url")
    elif ws.get("path"):
        workspace = Path(os.path.expanduser(ws["path"]))
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
        plan=PlanSettings(**plan),
        providers=providers,
        run=RunSettings(**run),
        sandbox=SandboxSettings(faults=faults, **sandbox),
        source=None if src == "<defaults>" else Path(src),
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
