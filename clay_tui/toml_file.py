"""Reading a TOML file safely: size, depth, encoding and syntax checked, and anything wrong
said in one sentence naming the file (the config, a recipe, a provider manifest)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from clay_tui.errors import ConfigError

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


def read_toml(
    path: Path,
    what: str,
    error: type[Exception] = ConfigError,
    *,
    max_bytes: int = MAX_TOML_BYTES,
) -> dict[str, Any]:
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
    if size > max_bytes:
        raise error(f"{what} {path} is too big ({size:,} bytes; at most {max_bytes:,}).")
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
