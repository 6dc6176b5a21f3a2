"""Providers as data: TOML manifests that describe a provider's HTTP API.

A neutral package (it imports only the bottom layer): the client side
(:mod:`clay_tui.providers.generic`) speaks an API from its manifest, the config knows
which providers exist from the manifests, and the sandbox serves every manifest provider
from the same description. The format is documented in ``docs/provider-manifests.md``.
"""

from __future__ import annotations

from clay_tui.manifests.catalog import (
    all_manifests,
    builtin_manifests,
    find_manifest,
    manifests_for,
    user_manifest_dir,
)
from clay_tui.manifests.engine import classify, get_path, render, request_for, template_vars
from clay_tui.manifests.schema import (
    OPERATIONS,
    OUTCOMES,
    Bulk,
    Endpoint,
    Manifest,
    ManifestError,
    Rule,
    load_manifest,
    parse_manifest,
)

__all__ = [
    "Bulk",
    "OPERATIONS",
    "OUTCOMES",
    "Endpoint",
    "Manifest",
    "ManifestError",
    "Rule",
    "all_manifests",
    "builtin_manifests",
    "classify",
    "find_manifest",
    "get_path",
    "load_manifest",
    "manifests_for",
    "parse_manifest",
    "render",
    "request_for",
    "template_vars",
    "user_manifest_dir",
]
