"""What every verb needs: settings and an open workspace, created on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clay_tui.config import Settings, load_settings
from clay_tui.workspace import Workspace


@dataclass
class CliContext:
    config_path: Path | None = None
    workspace_path: Path | str | None = None  # a folder or a postgresql:// URL
    user: str | None = None  # --user (else CLAY_TUI_USER, else the login name)
    _settings: Settings | None = field(default=None, repr=False)
    _workspace: Workspace | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path, self.workspace_path, user=self.user)
        return self._settings

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = Workspace.open(self.settings)
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()
            self._workspace = None
