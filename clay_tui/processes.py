"""Whether a process that wrote to the workspace is still running.

Runs and reservations record the pid that owns them; verify and reconcile ask
this to tell a live run from one left behind by a crash.
"""

from __future__ import annotations

import os
import socket


def pid_alive(pid: int | None) -> bool:
    """True while ``pid`` runs; a killed child not yet reaped (a zombie) counts as dead."""
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def this_host() -> str:
    """The name this machine gives itself: holds made here name it, so that another machine
    knows not to ask its own process table about them."""
    return socket.gethostname() or "localhost"
