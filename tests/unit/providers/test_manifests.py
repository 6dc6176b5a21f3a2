"""Provider manifests: the built-in ones load, and every mistake is one sentence naming the key."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from clay_tui.manifests import (
    ManifestError,
    all_manifests,
    builtin_manifests,
    classify,
    get_path,
    load_manifest,
    parse_manifest,
    render,
    request_for,
    template_vars,
)

GOOD = """
name = "acmefind"
base_url = "https://api.acme.test"
[auth]
style = "query"
name = "key"
[endpoints.email_finder]
method = "POST"
path = "/find"
requires = [["full_name"], ["domain"]]
body = { name = "{{full_name}}", where = { domain = "{{domain}}" }, tags = ["{{company}}"] }
outputs = { email = "result.emails.0.value" }
credits = 3
rate_per_second = 5
[[endpoints.email_finder.rules]]
status = 200
path = "result.emails.0.value"
exists = true
outcome = "found"
[[endpoints.email_finder.rules]]
status = 404
outcome = "no_data"
"""


def _raw() -> dict:
    return tomllib.loads(GOOD)


def test_the_builtin_manifests_give_three_email_finders_two_mobile_two_verifiers() -> None:
    ms = builtin_manifests()
    by_op = {
        op: [m.name for m in ms.values() if op in m.endpoints]
        for op in ("email_finder", "mobile_finder", "email_verifier")
    }
    assert len(by_op["email_finder"]) >= 3 and {"prospeo", "hunter"} <= set(by_op["email_finder"])
    assert len(by_op["mobile_finder"]) >= 2 and "prospeo" in by_op["mobile_finder"]
    assert len(by_op["email_verifier"]) >= 2 and "hunter" in by_op["email_verifier"]
    assert ms["hunter"].endpoint("email_verifier").rate_per_second == 10
    assert all(m.docs.startswith("https://") for m in ms.values())


def test_a_good_manifest_parses() -> None:
    m = parse_manifest(_raw(), "acme.toml")
    ep = m.endpoint("email_finder")
    assert (m.auth_style, m.auth_name, ep.credits, ep.rate_per_second) == ("query", "key", 3, 5)
    assert m.display_name == "Acmefind" and m.credits() == {"email_finder": 3}


def _set(raw: dict, dotted: str, value: object) -> dict:
    raw = copy.deepcopy(raw)
    node = raw
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return raw


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("name", "Bad Name", "name must be"),
        ("name", "http", "name must be"),
        ("nme", "x", "unknown key nme"),
        ("base_url", "ftp://x", "base_url must start with https://"),
        ("auth.style", "cookie", "auth.style must be one of header, query, bearer"),
        ("endpoints.email_finder.method", "PUT", "endpoints.email_finder.method must be one of"),
        ("endpoints.email_finder.path", "find", "endpoints.email_finder.path must start with /"),
        ("endpoints.email_finder.credits", -1, "endpoints.email_finder.credits must be between"),
        ("endpoints.email_finder.credits", "2", "endpoints.email_finder.credits must be a whole"),
        ("endpoints.email_finder.rate_per_second", True, "rate_per_second must be a number"),
        (
            "endpoints.email_finder.outputs",
            {"phone": "x"},
            "unknown key endpoints.email_finder.outputs.phone",
        ),
        ("endpoints.email_finder.outputs", {}, "endpoints.email_finder.outputs.email is missing"),
        (
            "endpoints.email_finder.body",
            {"n": "{{nickname}}"},
            "{{nickname}} in endpoints.email_finder.body.n",
        ),
        (
            "endpoints.email_finder.requires",
            [["shoe_size"]],
            "endpoints.email_finder.requires must be one of",
        ),
        ("endpoints.email_finder.rules.0.outcome", "fond", "rules[0].outcome must be one of"),
        ("endpoints.email_finder.rules.0.status", 999, "rules[0].status must be an HTTP status"),
        ("endpoints.email_finder.rules.1.status", KeyError, "rules[1] matches every answer"),
        ("endpoints.email_finder.rules.0.exists", KeyError, "rules[0] has a path but neither"),
        ("endpoints.fax_finder", {}, "unknown key endpoints.fax_finder"),
        ("endpoints", {}, "endpoints is missing"),
    ],
)
def test_mistakes_are_one_sentence_naming_the_key(key: str, value: object, says: str) -> None:
    with pytest.raises(ManifestError) as err:
        parse_manifest(_set(_raw(), key, value), "acme.toml")
    text = str(err.value)
    assert text.startswith("acme.toml: ") and says in text, text
    assert "\n" not in text and text.endswith(".")


def test_a_rule_without_a_found_outcome_is_refused() -> None:
    raw = _set(_raw(), "endpoints.email_finder.rules.0.outcome", "no_data")
    with pytest.raises(ManifestError, match="has no rule with outcome found"):
        parse_manifest(raw, "acme.toml")


def test_files_that_are_not_manifests(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("name = [", encoding="utf-8")
    (tmp_path / "b.toml").write_bytes(b"\xff\xfe")
    with pytest.raises(ManifestError, match="is not valid TOML"):
        load_manifest(tmp_path / "a.toml")
    with pytest.raises(ManifestError, match="is not UTF-8"):
        load_manifest(tmp_path / "b.toml")
    with pytest.raises(ManifestError, match="does not exist"):
        load_manifest(tmp_path / "c.toml")


def test_templates_fill_what_the_row_has_and_drop_what_it_lacks() -> None:
    values = template_vars(
        {"first_name": " Ann ", "last_name": "Lee", "domain": "https://www.x.io/a"}
    )
    assert values["full_name"] == "Ann Lee" and values["domain"] == "x.io"
    assert values["domain_or_company"] == "x.io"
    body = {
        "name": "{{full_name}}",
        "d": {"x": "{{domain}}"},
        "c": "{{company}}",
        "l": ["{{company}}", 1],
    }
    assert render(body, values) == {"name": "Ann Lee", "d": {"x": "x.io"}, "l": [1]}
    assert render("{{first_name}} at {{company}}", values) is None
    assert template_vars({"full_name": "Ann Mary Lee"})["last_name"] == "Lee"


def test_paths_and_rules() -> None:
    body = {"a": {"b": [{"c": "X"}]}, "s": "Catch-All"}
    assert get_path(body, "a.b.0.c") == "X" and get_path(body, "a.b.5.c") is None
    m = parse_manifest(_raw(), "acme.toml")
    rules = m.rules_for("email_finder")
    assert classify(rules, 200, {"result": {"emails": [{"value": "a@x.io"}]}}).outcome == "found"
    assert classify(rules, 404, {}).outcome == "no_data"
    assert classify(rules, 200, {"result": {"emails": []}}) is None


def test_user_manifests_join_the_catalogue_and_cannot_shadow_a_builtin(tmp_path: Path) -> None:
    folder = tmp_path / "providers"
    folder.mkdir()
    (folder / "acmefind.toml").write_text(GOOD, encoding="utf-8")
    assert "acmefind" in all_manifests(folder) and "hunter" in all_manifests(folder)
    (folder / "hunter.toml").write_text(GOOD.replace('"acmefind"', '"hunter"'), encoding="utf-8")
    with pytest.raises(ManifestError, match="'hunter' is a built-in provider"):
        all_manifests(folder)


def test_a_row_value_never_splits_a_header() -> None:
    raw = _set(_raw(), "endpoints.email_finder.headers", {"X-Who": "{{full_name}}"})
    ep = parse_manifest(raw, "acme.toml").endpoint("email_finder")
    sneaky = request_for(ep, {"full_name": "Ann\r\nX-Evil: 1", "domain": "x.io"})
    assert sneaky["headers"] == {}
    plain = request_for(ep, {"full_name": "Ann Lee", "domain": "x.io"})
    assert plain["headers"] == {"X-Who": "Ann Lee"}
