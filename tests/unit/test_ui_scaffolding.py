"""The UI uses Textual's public API only, and its scaffolding says what it means
(issue 10, finding 6): no overrides of private Textual methods, no reading of the grid's
private layout from screens or tests, screens compared by class, no silent fallbacks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from clay_tui.enrich.actions import ActionInfo

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "clay_tui" / "ui"
GRID_PRIVATE = {"_gutter", "_offsets", "_widths", "_visible_columns", "_hit"}
PRIVATE_TEXTUAL = {"_on_message", "_dispatch_action", "_value", "_handle_exception"}


def _sources(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py"))


def test_no_private_textual_method_is_overridden() -> None:
    found = []
    for path in _sources(UI):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if node.name in PRIVATE_TEXTUAL:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not found


def test_only_the_grid_reads_its_private_layout() -> None:
    found = []
    for path in _sources(UI, ROOT / "tests"):
        if path.name in {"lead_grid.py", "grid_render.py", "test_ui_scaffolding.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in GRID_PRIVATE:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}")
    assert not found


def test_screens_are_compared_by_class_and_imported_directly() -> None:
    for path in _sources(UI, ROOT / "tests" / "functional"):
        text = path.read_text(encoding="utf-8")
        assert "type(app.screen).__name__" not in text, path
        assert "type(self.screen).__name__" not in text, path
    assert "importlib" not in (UI / "app.py").read_text(encoding="utf-8")


def test_no_unshared_lock_fallback() -> None:
    for path in _sources(ROOT / "clay_tui" / "table"):
        assert 'getattr(ws, "_lock"' not in path.read_text(encoding="utf-8"), path


def test_actions_are_built_with_keywords() -> None:
    with pytest.raises(TypeError):
        ActionInfo("x", "X", "cleaning", "", (), {"value": "text"})  # type: ignore[misc]


def test_the_table_screen_composes_its_parts_instead_of_inheriting_them() -> None:
    """Issue 10: the table screen's parts are components (each its own state and messages),
    composed by the screen, not mixins on it; each module stays a few hundred lines."""
    from textual.screen import Screen

    from clay_tui.ui.components.base import Component
    from clay_tui.ui.screens.table_screen import TableScreen

    assert TableScreen.__bases__ == (Screen,)
    parts = [
        name
        for name, value in vars(TableScreen(None)).items()  # type: ignore[arg-type]
        if isinstance(value, Component)
    ]
    assert len(parts) >= 7, parts
    for path in [*_sources(UI / "components"), UI / "screens" / "table_screen.py"]:
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path
