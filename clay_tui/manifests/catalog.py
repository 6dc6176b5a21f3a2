"""Which manifests exist: the built-in ones (package data) and the user's own.

The user's manifests live in the config dir's ``providers/`` folder
(``~/.config/clay-tui/providers/*.toml`` on Linux; ``clay-tui providers add FILE.toml``
copies one there after validating it). They are read when settings load and re-read
when a file changes (its size or time), so the sandbox in another process sees the
same providers as the client.
"""

from __future__ import annotations

import threading
from pathlib import Path

import platformdirs

from clay_tui.manifests.schema import Manifest, ManifestError, load_manifest

BUILTIN_DIR = Path(__file__).with_name("builtin")
APP_NAME = "clay-tui"

_lock = threading.Lock()
_builtin: list[dict[str, Manifest]] = []
_user_cache: dict[Path, tuple[tuple[int, int], Manifest]] = {}


def builtin_manifests() -> dict[str, Manifest]:
    """The manifests shipped with clay-tui, by name (read once)."""
    with _lock:
        if not _builtin:
            found: dict[str, Manifest] = {}
            for path in sorted(BUILTIN_DIR.glob("*.toml")):
                m = load_manifest(path, source=f"<built-in {path.name}>")
                found[m.name] = m
            _builtin.append(found)
        return _builtin[0]


def user_manifest_dir() -> Path:
    """The folder user manifests are read from (it may not exist)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "providers"


def _user_manifests(folder: Path) -> dict[str, Manifest]:
    try:
        paths = sorted(p for p in folder.glob("*.toml") if p.is_file())
    except OSError:
        return {}
    out: dict[str, Manifest] = {}
    builtins = builtin_manifests()
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        stamp = (st.st_mtime_ns, st.st_size)
        with _lock:
            cached = _user_cache.get(path)
        if cached is not None and cached[0] == stamp:
            m = cached[1]
        else:
            m = load_manifest(path, source=str(path))
            with _lock:
                _user_cache[path] = (stamp, m)
        if m.name in builtins:
            raise ManifestError(
                f"{path}: name {m.name!r} is a built-in provider; give the manifest another name."
            )
        if m.name in out:
            raise ManifestError(f"{path}: another manifest in {folder} is also named {m.name!r}.")
        out[m.name] = m
    return out


def all_manifests(folder: Path | None = None) -> dict[str, Manifest]:
    """Built-in manifests, then the user's (``folder``: the user folder to read, for tests)."""
    return {**builtin_manifests(), **_user_manifests(folder or user_manifest_dir())}


def find_manifest(name: str) -> Manifest | None:
    """The manifest of ``name`` (built-in first, then the user's), or None."""
    m = builtin_manifests().get(name)
    if m is not None:
        return m
    try:
        return _user_manifests(user_manifest_dir()).get(name)
    except ManifestError:
        return None


def manifests_for(operation: str) -> list[Manifest]:
    """Every manifest with an endpoint for ``operation`` (built-in order, then the user's)."""
    return [m for m in all_manifests().values() if operation in m.endpoints]
