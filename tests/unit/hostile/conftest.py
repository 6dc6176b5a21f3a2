"""The hostile-input tests reuse the engine fixtures (a sandbox workspace with the leads)."""

from tests.unit.enrich.conftest import leads, sbx_ws  # noqa: F401
