"""Adding a provider as data: ``clay-tui providers add FILE.toml``.

The manifest is validated in full (one sentence naming the key for any mistake), checked
against the providers that exist, and copied into the config dir's ``providers/`` folder,
where every later start (the CLI, the TUI, the sandbox) reads it. From then on the provider
is a provider like any other: it can join any waterfall whose operation it has, runs in
sandbox mode until ``[providers.NAME] mode = "live"``, and is priced, estimated, reported
and shown in Run Info from its settings.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clay_tui.errors import ConfigError
from clay_tui.manifests import Manifest, all_manifests, builtin_manifests, load_manifest
from clay_tui.manifests.catalog import user_manifest_dir


@dataclass(frozen=True)
class Added:
    manifest: Manifest
    path: Path  # where it was copied
    replaced: bool  # an older manifest of the same name was there

    @property
    def message(self) -> str:
        m = self.manifest
        ops = ", ".join(m.operations)
        verb = "Updated" if self.replaced else "Added"
        return (
            f"{verb} provider {m.name} ({ops}) at {self.path}; list it in a column's providers "
            f'to put it in a waterfall (sandbox mode until [providers.{m.name}] mode = "live").'
        )


def add_manifest(path: Path, *, folder: Path | None = None) -> Added:
    """Validate the manifest at ``path`` and copy it into the user's providers folder."""
    m = load_manifest(Path(path), source=Path(path).name)
    if m.adapter != "generic":
        raise ConfigError(
            f'{Path(path).name}: adapter = "python" is for the built-in providers; '
            f"leave it out (a user manifest is spoken by the generic adapter)."
        )
    if m.name in builtin_manifests():
        raise ConfigError(
            f"{Path(path).name}: {m.name!r} is a built-in provider; give the manifest another name."
        )
    folder = folder or user_manifest_dir()
    target = folder / f"{m.name}.toml"
    others = all_manifests(folder)  # the folder's manifests must still load (and not clash)
    clash = next(
        (o for o in others.values() if o.name == m.name and Path(o.source) != target), None
    )
    if clash is not None:
        raise ConfigError(f"{clash.source} already defines a provider named {m.name!r}.")
    replaced = target.exists()
    folder.mkdir(parents=True, exist_ok=True)
    # written to a temporary file and renamed: a half-copied manifest is never read
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{m.name}.", suffix=".part")
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return Added(m, target, replaced)


def remove_manifest(name: str, *, folder: Path | None = None) -> Path:
    """Delete the user's manifest of ``name`` (built-in ones cannot be removed)."""
    folder = folder or user_manifest_dir()
    if name in builtin_manifests():
        raise ConfigError(f"{name} is a built-in provider; it cannot be removed.")
    target = folder / f"{name}.toml"
    if not target.is_file():
        raise ConfigError(f"There is no user provider named {name!r} in {folder}.")
    target.unlink()
    return target
