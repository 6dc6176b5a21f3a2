"""Where pasted API keys are kept between sessions: the OS keyring, else a private file.

A key pasted in Providers & keys is saved under the name of its environment variable
(``HUNTER_API_KEY``): in the OS keyring (the ``keyring`` library: macOS Keychain,
Windows Credential Locker, Secret Service) when one is available, otherwise in
``keys.json`` in the user config dir, created with mode 0600 (only this user can read it).
The environment variable always wins over a saved key. Keys are never written to a
workspace, an export, a log or a message.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import platformdirs

SERVICE = "clay-tui"
KEY_FILE = "keys.json"
SOURCES = ("env", "keyring", "file")  # where a key came from, as `providers` says it


def key_file() -> Path:
    return Path(platformdirs.user_config_dir("clay-tui")) / KEY_FILE


def _keyring():  # noqa: ANN202 - the keyring backend, or None when there is no usable one
    try:
        import keyring
        from keyring.errors import KeyringError  # noqa: F401
    except Exception:  # noqa: BLE001 - not installed or broken: use the file
        return None
    try:
        backend = keyring.get_keyring()
        return keyring if getattr(backend, "priority", 0) > 0 else None
    except Exception:  # noqa: BLE001
        return None


def keyring_available() -> bool:
    return _keyring() is not None


def _read_file() -> dict[str, str]:
    path = key_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_file(keys: dict[str, str]) -> None:
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not keys:
        path.unlink(missing_ok=True)
        return
    fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=path.parent)  # created 0600
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(keys, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def save(env: str, key: str) -> str:
    """Keep ``key`` under ``env``; returns where: "keyring" or "file"."""
    kr = _keyring()
    if kr is not None:
        try:
            kr.set_password(SERVICE, env, key)
        except Exception:  # noqa: BLE001 - a locked or broken keyring: fall back to the file
            pass
        else:
            keys = _read_file()
            if keys.pop(env, None) is not None:  # one place only
                _write_file(keys)
            return "keyring"
    keys = _read_file()
    keys[env] = key
    _write_file(keys)
    return "file"


def load(env: str) -> tuple[str | None, str | None]:
    """(key, "keyring" | "file") for a saved key, or (None, None)."""
    if not env:
        return None, None
    kr = _keyring()
    if kr is not None:
        try:
            key = kr.get_password(SERVICE, env)
        except Exception:  # noqa: BLE001
            key = None
        if key:
            return key, "keyring"
    key = _read_file().get(env)
    return (key, "file") if key else (None, None)


def forget(env: str) -> None:
    """Remove a saved key from the keyring and the file (no error if there was none)."""
    kr = _keyring()
    if kr is not None:
        try:
            kr.delete_password(SERVICE, env)
        except Exception:  # noqa: BLE001 - not there
            pass
    keys = _read_file()
    if keys.pop(env, None) is not None:
        _write_file(keys)


def resolve(env: str) -> tuple[str | None, str | None]:
    """The key to use for ``env`` and where it came from: the environment first."""
    if not env:
        return None, None
    value = os.environ.get(env)
    if value:
        return value, "env"
    return load(env)
