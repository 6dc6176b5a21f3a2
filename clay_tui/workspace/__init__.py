"""The workspace: one folder holding workspace.db and tables/*.parquet."""

from clay_tui.workspace.workspace import Workspace

__all__ = ["Workspace"]
