"""The hostile-input corpus: files, expressions, recipes, config, CLI arguments, workspace
damage and provider answers, each asserting one sentence, the documented exit code, no
traceback, nothing changed for a rejected command, and no key anywhere it wrote.

In-process (click's CliRunner, httpx.MockTransport) wherever a signal cannot matter; the
cases that can kill a process (segfaults, signals) are in tests/unit/hostile/ as real
subprocesses. More hostile cases live beside them in tests/unit/hostile/.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import sqlite3
from pathlib import Path

import httpx
import pytest
import tomli_w

from clay_tui.config import parse_settings
from clay_tui.providers import Outcome, Providers, hunter, openai_compat, prospeo
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config
from tests.unit.hostile.cli_helpers import assert_one_sentence, invoke

KEY = "ck-corpus-7f3a9e1b2c4d5e6f8a9b0c1d"
RECIPES = Path(__file__).resolve().parents[2] / "sample_tables" / "recipes"


# ---------------------------------------------------------------- a workspace to abuse


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, sandbox_url) -> Path:
    """A workspace with a table, columns, a paid run and ledger entries (copied per test)."""
    root = tmp_path_factory.mktemp("corpus-seed")
    config = root / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")
    base = ["--config", str(config), "--workspace", str(root / "ws")]
    assert invoke(*base, "import", str(SAMPLE_LEADS), "--name", "leads").code == 0
    for recipe in ("find_work_email.toml", "cleaning.toml"):
        assert invoke(*base, "add-column", "leads", "--recipe", str(RECIPES / recipe)).code == 0
    assert invoke(*base, "run", "leads", "Work Email", "--limit", "5", "--yes").code == 0
    return root


@pytest.fixture
def ws(seeded: Path, tmp_path: Path, monkeypatch) -> list[str]:
    import shutil

    shutil.copytree(seeded / "ws", tmp_path / "ws")
    config = tmp_path / "config.toml"
    config.write_text((seeded / "config.toml").read_text())
    monkeypatch.setenv("HUNTER_API_KEY", KEY)  # a key that must never be written anywhere
    return ["--config", str(config), "--workspace", str(tmp_path / "ws")]


def _digest(db: Path) -> str:
    """The logical content of workspace.db (not its bytes: a checkpoint may move pages)."""
    con = sqlite3.connect(db)
    try:
        return hashlib.sha256("\n".join(con.iterdump()).encode()).hexdigest()
    finally:
        con.close()


def _no_key_written(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), f"the key was written into {path}"


def rejected(ws: list[str], *args: str, contains: str | None = None) -> str:
    """A command that must be refused: exit 2, one sentence, the workspace unchanged."""
    db = Path(ws[-1]) / "workspace.db"
    before = _digest(db)
    line = assert_one_sentence(invoke(*ws, *args), 2, contains=contains, progress=args[0] == "run")
    assert _digest(db) == before, "a rejected command changed the workspace"
    assert KEY not in line
    _no_key_written(Path(ws[-1]))
    return line


# ---------------------------------------------------------------- files


def _files(tmp: Path) -> dict[str, Path]:
    out: dict[str, bytes | None] = {
        "empty.csv": b"",
        "bom_only.csv": b"\xef\xbb\xbf",
        "newlines.csv": b"\n\n\n\n",
        "binary.csv": bytes(range(256)) * 64,
        "nul_bytes.csv": b"a,b\n1,\x00\x00\n",
        "png.csv": b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,
        "gzip.csv": gzip.compress(b"a,b\n1,2\n"),
        "garbage.parquet": b"PAR1 this is not parquet PAR1",
        "garbage.xlsx": b"PK\x03\x04 not really a zip",
        "text.xlsx": b"a,b\n1,2\n",
        "unknown.xyz": b"a,b\n1,2\n",
        "utf16_odd.csv": b"\xff\xfea\x00,\x00b\x00\n\x00\x00\xd8",
        "only_header_quotes.csv": b'"""""""\n',
    }
    paths = {}
    for name, data in out.items():
        path = tmp / name
        path.write_bytes(data or b"")
        paths[name] = path
    (tmp / "a_folder.csv").mkdir()
    paths["a_folder.csv"] = tmp / "a_folder.csv"
    paths["missing.csv"] = tmp / "missing.csv"
    return paths


FILE_CASES = [
    "empty.csv",
    "bom_only.csv",
    "newlines.csv",
    "binary.csv",
    "png.csv",
    "gzip.csv",
    "garbage.parquet",
    "garbage.xlsx",
    "text.xlsx",
    "unknown.xyz",
    "a_folder.csv",
    "missing.csv",
]


@pytest.mark.parametrize("name", FILE_CASES)
def test_hostile_files_are_refused(ws, tmp_path: Path, name: str) -> None:
    path = _files(tmp_path)[name]
    rejected(ws, "import", str(path), "--name", "hostile")


@pytest.mark.parametrize("name", ["nul_bytes.csv", "utf16_odd.csv", "only_header_quotes.csv"])
def test_odd_but_readable_files_import_or_refuse_calmly(ws, tmp_path: Path, name) -> None:
    out = invoke(*ws, "import", str(_files(tmp_path)[name]), "--name", "odd")
    assert out.exception is None and "Traceback" not in out.stderr
    if out.code != 0:
        assert_one_sentence(out, 2)


def test_a_huge_single_line(ws, tmp_path: Path) -> None:
    path = tmp_path / "one_line.csv"
    path.write_bytes(b"name,note\nx," + b"y" * 5_000_000)  # a 5 MB field, no final newline
    out = invoke(*ws, "import", str(path), "--name", "wide")
    assert out.exception is None and "Traceback" not in out.stderr
    if out.code != 0:
        assert_one_sentence(out, 2)


# ---------------------------------------------------------------- expressions

EXPRESSIONS = [
    "employees >",
    "((employees > 1)",
    "employees > 1)",
    "'unterminated",
    '"unterminated',
    "1 = 1; DROP TABLE cells",
    "nosuchcolumn = 1",
    "employees + 1",
    "employees > 'abc' AND",
    "system('ls')",
    "SELECT * FROM leads",
    "[/] garbage",
    "\x1b[2J employees > 1",
    "employees > 1\x00",
    "country = 'US' OR OR x",
    "x" * 10_001,
    "(" * 500,
    "NOT " * 300 + "employees > 1",
    " OR ".join(["a=1"] * 1500),
    "",
    "employees BETWEEN",
    "country IN (",
    "CASE WHEN",
    "\u202e employees > 1",
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=range(len(EXPRESSIONS)))
def test_hostile_where(ws, expr: str) -> None:
    line = rejected(ws, "run", "leads", "Domain", "--where", expr, "--dry-run")
    assert "\x1b" not in line and "\x00" not in line


# ---------------------------------------------------------------- recipes


def _recipe(tmp: Path, body: str | bytes | dict) -> Path:
    path = tmp / "recipe.toml"
    if isinstance(body, dict):
        path.write_text(tomli_w.dumps(body), encoding="utf-8")
    elif isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return path


def _col(**kw) -> dict:
    col = {"name": "Hostile", "action": "normalize_domain", "inputs": {"value": "company_domain"}}
    col.update(kw)
    return {"column": [col]}


RECIPE_CASES = {
    "not_toml": "this is = = not toml",
    "empty": "",
    "no_column": "[something]\na = 1",
    "column_string": 'column = "x"',
    "column_numbers": "column = [1, 2]",
    "binary": b"\x00\x01\x02\xff" * 100,
    "latin1": "name = '\xe9'".encode("latin-1"),
    "unknown_action": _col(action="rm_rf"),
    "unknown_key": _col(shell="ls"),
    "empty_name": _col(name=""),
    "huge_name": _col(name="x" * 100_000),
    "name_wrong_type": _col(name=5),
    "unknown_provider": _col(action="find_work_email", providers=["evilcorp"]),
    "bad_condition": _col(condition="employees >"),
    "huge_condition": _col(condition="x" * 20_000),
    "missing_input_column": _col(inputs={"value": "nope"}),
    "host_placeholder": _col(
        action="http_call", inputs={}, params={"url": "https://{{company_domain}}/x"}
    ),
    "http_no_url": _col(action="http_call", inputs={}, params={"method": "GET"}),
    "formula_bad": _col(action="formula", inputs={}, params={"expression": "1 +"}),
    "formula_deep": _col(action="formula", inputs={}, params={"expression": "(" * 400}),
    "params_wrong_type": _col(
        action="ai_prompt", inputs={}, params={"prompt": "hi", "max_tokens": "many"}
    ),
    "outputs_clash": _col(
        action="find_work_email",
        inputs={"first_name": "first_name"},
        outputs={"email": "X", "provider": "X"},
    ),
    "deep_arrays": "a = " + "[" * 2000 + "]" * 2000,
    "deep_tables": "a = " + "{b = " * 2000 + "}" * 2000,
    "too_big": "# " + "x" * 1_100_000,
}


@pytest.mark.parametrize("case", sorted(RECIPE_CASES))
def test_hostile_recipes(ws, tmp_path: Path, case: str) -> None:
    rejected(ws, "add-column", "leads", "--recipe", str(_recipe(tmp_path, RECIPE_CASES[case])))


@pytest.mark.parametrize("where", ["folder", "missing"])
def test_recipe_paths(ws, tmp_path: Path, where: str) -> None:
    path = tmp_path / "r.toml"
    if where == "folder":
        path.mkdir()
    rejected(ws, "add-column", "leads", "--recipe", str(path))


# ---------------------------------------------------------------- config

CONFIG_CASES = {
    "unknown_section": {"shell": {"x": 1}},
    "unknown_key": {"plan": {"colour": "red"}},
    "mode": {"providers": {"hunter": {"mode": "prod"}}},
    "billing": {"plan": {"billing": "weekly"}},
    "cycle_start": {"plan": {"cycle_start": "yesterday"}},
    "credits_type": {"plan": {"monthly_credits": "lots"}},
    "bool_as_int": {"plan": {"monthly_credits": True}},
    "provider_table": {"providers": {"hunter": 3}},
    "unknown_provider": {"providers": {"evilcorp": {"mode": "live"}}},
    "credits_table": {"providers": {"hunter": {"credits": 3}}},
    "fault_unknown": {"sandbox": {"faults": {"hunter": {"explode": 0.5}}}},
    "fault_provider": {"sandbox": {"faults": {"evilcorp": {}}}},
    "workspace_type": {"workspace": {"path": 3}},
    "huge_credits": {"plan": {"monthly_credits": 2**62, "billing": "annual"}},
    "zero_timeout": {"providers": {"openai": {"timeout_s": 0}}},
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_hostile_config(tmp_path: Path, case: str) -> None:
    raw = sandbox_raw_config()
    for section, values in CONFIG_CASES[case].items():
        if isinstance(values, dict) and isinstance(raw.get(section), dict):
            for k, v in values.items():
                if isinstance(v, dict) and isinstance(raw[section].get(k), dict):
                    raw[section][k].update(v)
                else:
                    raw[section][k] = v
        else:
            raw[section] = values
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    line = assert_one_sentence(
        invoke("--config", str(path), "--workspace", str(tmp_path / "ws"), "credits"), 2
    )
    assert str(path) in line
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01binary", "a = '\xe9'".encode("latin-1"), b"[plan\nname=", b"# " + b"x" * 1_100_000],
)
def test_unreadable_config_files(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    assert_one_sentence(invoke("--config", str(path), "credits"), 2, contains=str(path))


# ---------------------------------------------------------------- CLI arguments

CLI_CASES = [
    ["credits", "buy", "-5"],
    ["credits", "buy", "abc"],
    ["credits", "buy", "0"],
    ["credits", "buy", "1.5"],
    ["credits", "buy", "1e9"],
    ["credits", "buy", "\u0663"],
    ["credits", "buy", "99999999999999999999999"],
    ["credits", "buy"],
    ["usage", "--since", "yesterday"],
    ["usage", "--by", "nope"],
    ["usage", "--until", "2026-13-45"],
    ["run", "leads", "Domain", "--limit", "-3"],
    ["run", "leads", "Domain", "--max-credits", "-1"],
    ["run", "nosuchtable", "Domain"],
    ["run", "leads", "No Such Column"],
    ["run-info", "leads", "No Such Column"],
    ["run-info", "nosuchtable", "Domain"],
    ["remove-column", "leads", "Nope", "--yes"],
    ["edit-column", "leads", "Domain", "--spend-limit", "-1"],
    ["edit-column", "leads", "Domain", "--where", "employees >"],
    ["edit-column", "leads", "Nope", "--rename", "X"],
    ["export", "nosuchtable", "out.csv"],
    ["recipes", "export", "nosuchtable", "r.toml"],
    ["providers", "check", "evilcorp"],
    ["sandbox", "--port", "-1"],
    ["sandbox", "--port", "99999"],
    ["run"],
    ["credits", "--bogus"],
    ["add-column", "leads", "--name", "X", "--action", "rm_rf"],
    ["add-column", "leads", "--name", "X", "--action", "normalize_domain", "--input", "nokey"],
    ["add-column", "leads", "--recipe", "/nonexistent/recipe.toml"],
    ["import", "/nonexistent/file.csv"],
]


@pytest.mark.parametrize("args", CLI_CASES, ids=[" ".join(a)[:40] for a in CLI_CASES])
def test_hostile_cli_arguments(ws, args: list[str]) -> None:
    rejected(ws, *args)


@pytest.mark.parametrize("target", ["dir", "ext", "nofolder"])
def test_export_targets(ws, tmp_path: Path, target: str) -> None:
    out = {
        "dir": tmp_path,
        "ext": tmp_path / "out.exe",
        "nofolder": tmp_path / "no" / "such" / "out.csv",
    }[target]
    rejected(ws, "export", "leads", str(out))


# ---------------------------------------------------------------- workspace damage


def test_workspace_db_is_text(ws) -> None:
    db = Path(ws[-1]) / "workspace.db"
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    db.write_text("this is not a database " * 100)
    line = assert_one_sentence(invoke(*ws, "credits"), 2)
    assert "backup" in line


def test_workspace_db_is_empty_bytes_of_a_header(ws) -> None:
    db = Path(ws[-1]) / "workspace.db"
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    db.write_bytes(db.read_bytes()[:100])  # the header only: every page gone
    assert_one_sentence(invoke(*ws, "tables"), 2)


def test_workspace_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    path.write_text("x")
    assert_one_sentence(invoke("--workspace", str(path), "credits"), 2, contains="file")


@pytest.mark.parametrize("damage", ["garbage", "missing"])
def test_table_snapshot_damaged(ws, damage: str) -> None:
    tables = list((Path(ws[-1]) / "tables").glob("*.parquet"))
    assert tables
    for path in tables:
        if damage == "missing":
            path.unlink()
        else:
            path.write_bytes(b"PAR1 garbage")
    out = invoke(*ws, "export", "leads", str(Path(ws[-1]).parent / "out.csv"))
    assert out.exception is None and "Traceback" not in out.stderr
    if out.code != 0:
        assert_one_sentence(out, 2)


# ---------------------------------------------------------------- provider answers


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


ANSWERS = {
    "garbage_json": (200, b'{"data": {"email": "a@b.c", "score": 9', {}),
    "html_200": (200, b"<html><body><h1>Welcome</h1></body></html>", {"Content-Type": "text/html"}),
    "html_500": (500, b"<html>502 Bad Gateway</html>", {"Content-Type": "text/html"}),
    "huge_json": (200, b'{"data": {"email": null, "pad": "' + b"x" * 6_000_000 + b'"}}', {}),
    "huge_error": (
        400,
        json.dumps(
            {
                "errors": [{"id": "x", "details": "y" * 3_000_000}],
                "error": True,
                "message": "z" * 1000,
            }
        ).encode(),
        {},
    ),
    "echo_key_400": (
        400,
        json.dumps(
            {
                "errors": [
                    {"id": "wrong_params", "details": f"Invalid key {{'X-API-KEY': '{KEY}'}}"}
                ],
                "error": True,
                "error_code": "INVALID_DATAPOINTS",
                "message": KEY,
            }
        ).encode(),
        {},
    ),
    "echo_key_200": (
        200,
        json.dumps(
            {
                "data": {"email": f"{KEY}@x.com", "score": 1},
                "meta": {"params": {"api_key": KEY}},
                "error": False,
                "choices": [{"message": {"content": KEY}}],
            }
        ).encode(),
        {},
    ),
    "deep_json": (200, _deep(100_000), {}),
    "deep_error_json": (400, _deep(100_000), {}),
    "bad_utf8": (200, b'{"data": "\xff\xfe\xfd"}', {}),
    "array": (200, b"[1, 2, 3]", {}),
    "null": (200, b"null", {}),
    "bad_gzip": (200, b"not gzip at all", {"Content-Encoding": "gzip"}),
    "markup_error": (
        400,
        json.dumps(
            {
                "errors": [{"id": "[/]", "details": "[bold]x[/] \x1b[2J"}],
                "error": True,
                "error_code": "[/]",
            }
        ).encode(),
        {},
    ),
    "redirect": (302, b"", {"Location": "http://127.0.0.1:9/steal"}),
}

CALLS = {
    "hunter_find": lambda p: hunter.find_email(p.client("hunter"), full_name="A B", domain="a.com"),
    "prospeo_find": lambda p: prospeo.find_email(
        p.client("prospeo"), full_name="A B", company="a.com"
    ),
    "openai": lambda p: openai_compat.complete(p.client("openai"), prompt="x", model="m"),
}


def _live_settings(tmp_path: Path):
    raw = sandbox_raw_config(max_retries=0, timeout_s=1)
    for name in raw["providers"]:
        raw["providers"][name].update(mode="live", base_url="https://api.example.invalid")
    return parse_settings(raw, "<test>", tmp_path / "ws")


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("answer", sorted(ANSWERS))
async def test_hostile_provider_answers(
    tmp_path: Path, monkeypatch, answer: str, call: str
) -> None:
    for env in ("HUNTER_API_KEY", "PROSPEO_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.setenv(env, KEY)
    status, body, headers = ANSWERS[answer]
    transport = httpx.MockTransport(
        lambda request: httpx.Response(status, content=body, headers=headers)
    )
    async with Providers(
        _live_settings(tmp_path), transport=transport, backoff_s=0.0, max_wait_s=0.1
    ) as providers:
        result = await CALLS[call](providers)
    assert result.outcome in set(Outcome)
    text = json.dumps([result.message, result.error_id, result.data, result.raw], default=str)
    assert KEY not in text and KEY.upper() not in text.upper()
    assert "\n" not in result.message and len(result.message) < 600
    if answer not in ("echo_key_200",):
        assert result.outcome is not Outcome.FOUND or answer == "huge_json"


async def test_slow_drip_is_a_timeout(tmp_path: Path, monkeypatch) -> None:
    """A server that answers one byte every 0.2 s never trips a per-read timeout; the call
    still ends within its timeout, as an error."""
    monkeypatch.setenv("HUNTER_API_KEY", KEY)

    async def drip(reader, writer):  # noqa: ANN001
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        )
        try:
            for _ in range(1000):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.2)
        except (ConnectionError, asyncio.CancelledError):
            pass
        writer.close()

    server = await asyncio.start_server(drip, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    raw = sandbox_raw_config(max_retries=0, timeout_s=1)
    raw["providers"]["hunter"].update(mode="live", base_url=f"http://127.0.0.1:{port}")
    settings = parse_settings(raw, "<test>", tmp_path / "ws")
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with Providers(settings) as providers:
        result = await hunter.find_email(
            providers.client("hunter"), full_name="A B", domain="a.com"
        )
    server.close()
    assert result.outcome is Outcome.ERROR and result.error_id == "timeout"
    assert loop.time() - started < 5
