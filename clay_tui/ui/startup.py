"""Start-up: what the first screen does not need loads once it is painted (issue 10, item 7).

The table screen's parts reach the enrichment engine and the credit ledger through two
service modules, ``services.enrich`` and ``services.credits``; together with what they import
(the runner's vocabulary, estimates, Run Info, the ledger and its reports) they cost about a
sixth of ``clay-tui FILE``'s time to the first row, and the first row needs none of them.

:func:`defer` (called by ``clay-tui open`` before it imports the TUI) puts a placeholder for
each in ``sys.modules`` (``importlib.util.LazyLoader``): ``from clay_tui.services import
enrich`` then binds the placeholder, and the module runs when one of its names is first
read. The table screen reads none of them before its first rows are on screen, then calls
:func:`load_deferred` on the app's thread, which loads them all there and then (a placeholder
is not safe to wake from two threads at once; after this call there are none).
A module already imported is left as it is, so the tests and the headless verbs, which
import these modules the ordinary way, never see a placeholder.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType, NoneType

DEFERRED = ("clay_tui.services.credits", "clay_tui.services.enrich", "clay_tui.services.live")


def defer(names: tuple[str, ...] = DEFERRED) -> None:
    """A placeholder for each module of ``names`` not imported yet; it loads when first read."""
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        parent, _, child = name.rpartition(".")
        setattr(sys.modules[parent], child, module)


def load_deferred(names: tuple[str, ...] = DEFERRED) -> None:
    """Load every deferred module now, on the calling thread (the app's); idempotent."""
    for name in names:
        module = sys.modules.get(name)
        if module is not None:
            _ = module.__name__  # the first attribute read runs a placeholder's module


def pending(names: tuple[str, ...] = DEFERRED) -> list[str]:
    """The modules of ``names`` that are placeholders still (for tests)."""
    # a placeholder is a ModuleType subclass until it loads, then a plain module
    return [name for name in names if type(sys.modules.get(name)) not in (ModuleType, NoneType)]
