"""The bare domain in a URL, an email or a domain: shared by the cleaning actions, the
providers and the sandbox (which stands in for the providers' servers and so imports
nothing of the client)."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://")
_LABEL = re.compile(r"^(?!-)[\w\-]{1,63}(?<!-)$", re.UNICODE)


def domain_of(value: str | None) -> str | None:
    """The bare domain of a URL, email or domain: lowercase, no scheme/www/path/port."""
    if value is None:
        return None
    text = "".join(str(value).split()).lower()  # whitespace anywhere is noise
    if not text:
        return None
    if "@" in text and not _SCHEME.match(text):
        text = text.rsplit("@", 1)[1]
    text = _SCHEME.sub("", text)
    text = re.split(r"[/?#\\]", text, maxsplit=1)[0]
    if "@" in text:  # user:pass@host
        text = text.rsplit("@", 1)[1]
    text = text.split(":", 1)[0].strip(".")
    if text.startswith("www."):
        text = text[4:]
    labels = text.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    if labels[-1].isdigit():  # an IP address is not a company domain
        return None
    return text
