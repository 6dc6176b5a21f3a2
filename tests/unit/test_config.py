"""config.toml is read into typed settings; mistakes are one sentence naming key and file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from clay_tui.config import DEFAULT_CONFIG, load_settings, parse_settings
from clay_tui.errors import ConfigError

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


def test_repo_config_is_the_bundled_default() -> None:
    assert REPO_CONFIG.read_text() == DEFAULT_CONFIG.read_text()


def test_defaults_point_every_provider_at_the_sandbox() -> None:
    s = load_settings(REPO_CONFIG)
    assert {p.mode for p in s.providers.values()} == {"sandbox"}
    assert s.providers["hunter"].rate_per_second == 15
    assert s.providers["hunter"].credits_for("email_finder") == 2
    assert s.run.test_rows == 10


def test_own_key_makes_calls_free() -> None:
    raw = tomllib.loads(DEFAULT_CONFIG.read_text())
    raw["providers"]["hunter"]["own_key"] = True
    s = parse_settings(raw, "x.toml")
    assert s.providers["hunter"].credits_for("email_finder") == 0


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ("[plan]\nmonthly = 3", "unknown key plan.monthly"),
        ('[plan]\nmonthly_credits = "many"', "plan.monthly_credits must be a whole number"),
        ("[plan]\nmonthly_credits = -1", "plan.monthly_credits must not be negative"),
        ('[plan]\nbilling = "weekly"', "plan.billing must be one of monthly, annual"),
        ('[providers.hunter]\nmode = "prod"', "providers.hunter.mode must be one of"),
        ("[providers.hunter]\nspeed = 1", "unknown key providers.hunter.speed"),
        ("[providers.clearbit]", "unknown provider [providers.clearbit]"),
        ("[sandbox.faults.hunter]\ntimeout = 2", "between 0 and 1"),
        ("[bogus]", "unknown section [bogus]"),
    ],
)
def test_bad_config_is_one_sentence(doc: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(tomllib.loads(doc), "my.toml")
    assert fragment in str(info.value)
    assert str(info.value).startswith("my.toml:")


@pytest.mark.parametrize(
    ("doc", "sentence"),
    [
        (
            "[plan]\nmonthly_credits = true",
            "plan.monthly_credits must be a whole number, not True.",
        ),
        ("[plan]\ncycle_start = 3", "plan.cycle_start must be a date (YYYY-MM-DD), not 3."),
        ("plan = 3", "[plan] must be a table."),
        ("[providers.hunter]\ncredits = 3", "providers.hunter.credits must be a table, not 3."),
        (
            '[providers.hunter.credits]\nok = 1\n"bad one" = -2',
            "providers.hunter.credits.bad one must not be negative, not -2.",
        ),
        (
            "[providers.hunter]\ntimeout_s = 0",
            "providers.hunter.timeout_s must be above 0 and at most 3,600, not 0.0.",
        ),
        (
            "[sandbox]\nport = 70000",
            "sandbox.port must be at least 0 and at most 65,535, not 70000.",
        ),
        (
            "[run]\ntest_rows = 0",
            "run.test_rows must be at least 1 and at most 1,000,000,000, not 0.",
        ),
        ("[sandbox.faults.hunter]\nslow = 0.1", "unknown key sandbox.faults.hunter.slow (known: "),
        (
            "[sandbox.faults.hunter]\ntimeout = 0.6\nthrottle_429 = 0.6",
            "the fault rates in sandbox.faults.hunter add up to 1.2; together they must be at most",
        ),
    ],
)
def test_bad_config_sentences_name_key_and_value(doc: str, sentence: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(tomllib.loads(doc), "my.toml")
    assert str(info.value).startswith(f"my.toml: {sentence}")


@pytest.mark.parametrize(
    ("doc", "sentence"),
    [
        ('[plan]\nbilling = "x - at `$.run`"', "plan.billing must be one of monthly, annual, not"),
        ('[plan]\n"a`b" = 1', "unknown key plan.a`b (known keys: "),
        ('[providers.hunter.credits]\n"x`y" = "q"', "providers.hunter.credits.x`y must be a whole"),
    ],
)
def test_keys_and_values_that_look_like_validator_output(doc: str, sentence: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(tomllib.loads(doc), "my.toml")
    assert str(info.value).startswith(f"my.toml: {sentence}")
    assert "\n" not in str(info.value)


def test_dates_and_whole_numbers_are_read_as_before() -> None:
    doc = (
        "[plan]\ncycle_start = 2026-03-01T10:00:00\n[sandbox]\nlatency_ms = 5\n[run]\ntest_rows = 3"
    )
    s = parse_settings(tomllib.loads(doc), "my.toml")
    assert s.plan.cycle_start.isoformat() == "2026-03-01"
    assert s.sandbox.latency_ms == 5.0 and isinstance(s.sandbox.latency_ms, float)
    assert s.run.test_rows == 3 and s.providers["hunter"].mode == "sandbox"


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text("[plan\n")
    with pytest.raises(ConfigError, match="c.toml is not valid TOML"):
        load_settings(bad)


def test_missing_explicit_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_workspace_override_wins(tmp_path: Path) -> None:
    s = load_settings(REPO_CONFIG, workspace=tmp_path / "w")
    assert s.workspace == tmp_path / "w"
