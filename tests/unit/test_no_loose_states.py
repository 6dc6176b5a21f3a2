"""No module but ``clay_tui/states.py`` spells a cell state, run status or attempt state as
a string.

Reads the source (AST, so docstrings and comments are free to use the words) and flags:
a comparison with a state literal (``== "found"``, ``in ("error", ...)``); a tuple, list,
set or dict that holds two or more state literals (a private copy of a state set or an
order); and SQL over ``cells`` or ``runs`` that names a status literally
(``status = 'running'``, ``status IN ('found', ...)``), or over ``attempts`` that names
an attempt's state (``state = 'started'``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import clay_tui
from clay_tui.states import AttemptState, CellState, RunStatus

PACKAGE = Path(clay_tui.__file__).parent
WORDS = {s.value for vocabulary in (CellState, RunStatus, AttemptState) for s in vocabulary}
# Providers and the sandbox speak the providers' own JSON ("error": true ...) and outcomes
# (providers.base.Outcome), below the engine: cell states are not theirs to know.
# Provider manifests (manifests/) describe those same outcomes as data.
SKIP = {PACKAGE / "states.py"} | {
    p for d in ("sandbox", "providers", "manifests") for p in (PACKAGE / d).rglob("*.py")
}
# Operands that hold another vocabulary with a word in common ("spend limit" binds an
# estimate's maximum: capped_by is "spend limit" | "max credits" | "balance").
OTHER_VOCABULARIES = {"capped_by"}
_SQL_TABLE = re.compile(r"\b(cells|runs)\b")
_QUOTED = "|".join(re.escape(w) for w in sorted(WORDS))
_SQL_STATUS = re.compile(
    rf"\bstatus\s*(?:=|!=|<>|\bIN\b|\bNOT\s+IN\b)\s*\(?[^)]*'(?:{_QUOTED})'", re.IGNORECASE
)
_SQL_ATTEMPTS = re.compile(r"\battempts\b")
_SQL_ATTEMPT_STATE = re.compile(
    rf"\bstate\s*(?:=|!=|<>|\bIN\b|\bNOT\s+IN\b)\s*\(?[^)]*'(?:{_QUOTED})'", re.IGNORECASE
)


def _word(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in WORDS


def _words_in(node: ast.AST) -> int:
    if isinstance(node, ast.Dict):
        parts = [k for k in node.keys if k is not None] + list(node.values)
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        parts = list(node.elts)
    else:
        return 1 if _word(node) else 0
    return sum(_words_in(p) for p in parts)


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None


def loose_states(source: str) -> list[tuple[int, str]]:
    """(line, why) for each place ``source`` spells a state instead of naming it."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_name(o) in OTHER_VOCABULARIES for o in operands):
                continue
            for o in operands:
                if _word(o) or (
                    isinstance(o, ast.Tuple | ast.List | ast.Set) and any(_word(e) for e in o.elts)
                ):
                    found.append((node.lineno, "compares with a state literal"))
                    break
        elif isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            if _words_in(node) >= 2:
                found.append((node.lineno, "holds state literals"))
        else:
            text = _text(node)
            if text and _SQL_TABLE.search(text) and _SQL_STATUS.search(text):
                found.append((node.lineno, "SQL names a status literally"))
            elif text and _SQL_ATTEMPTS.search(text) and _SQL_ATTEMPT_STATE.search(text):
                found.append((node.lineno, "SQL names an attempt's state literally"))
    return sorted(set(found))


def test_the_check_catches_loose_states() -> None:
    assert loose_states('if s == "found": pass')
    assert loose_states('ok = state in ("no data", "x")')
    assert loose_states('ORDER = ("found", "no data")')
    assert loose_states('NOTE = {"skipped": "skipped", "cancelled": "stopped"}')
    assert loose_states("""q = ("SELECT id FROM runs WHERE table_id = ?"
                                " AND status = 'running'")""")
    assert loose_states("""q = f"SELECT 1 FROM cells WHERE status IN ('found', 'no data')" """)
    assert loose_states("""q = "UPDATE attempts SET state = 'settled' WHERE id = ?" """)
    assert loose_states('if a.state == "started": pass')
    # and leaves the unrelated alone
    assert not loose_states('notify(x, severity="error")')
    assert not loose_states('x = body.get("error")')
    assert not loose_states('"""A docstring that says "found" == "found"."""')
    assert not loose_states("q = \"UPDATE credit_plan_changes SET status = 'cancelled'\"")
    assert not loose_states('if est.capped_by == "spend limit": pass')
    assert not loose_states("STATES = (CellState.FOUND, CellState.NO_DATA)")


def test_no_module_spells_a_state() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in SKIP:
            continue
        for line, why in loose_states(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {why}")
    assert not problems, "use clay_tui.states instead:\n" + "\n".join(problems)
