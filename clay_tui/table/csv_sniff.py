"""Guessing how a text file is written: its encoding and its delimiter.

Only a sample is looked at, so a million-row file costs the same to sniff as a
ten-row one.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
UTF8_BOM = b"\xef\xbb\xbf"


def looks_binary(sample: bytes) -> bool:
    """True when a sample has NUL bytes or many control characters (not text)."""
    if not sample:
        return False
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with a BOM: text, handled by decode_bytes
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample[:4096] if b < 9 or 13 < b < 32)
    return control > len(sample[:4096]) * 0.05


def decode_bytes(data: bytes) -> tuple[str, str]:
    """A whole file as (text, encoding): UTF-8 (BOM or not), UTF-16 BOM, else cp1252/latin-1."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def is_utf8(data: bytes) -> bool:
    """Cheap check that the whole buffer is valid UTF-8 (ASCII is the common, fast case)."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sample_text(data: bytes) -> str:
    """The first ~64 KB as text, cut at the last line break so no record is half-read.

    A first line longer than that (the header of a very wide table) is taken whole.
    """
    chunk = data[:SAMPLE_BYTES]
    if len(data) > SAMPLE_BYTES:
        cut = chunk.rfind(b"\n")
        if cut > 0:
            chunk = chunk[:cut]
        else:
            end = data.find(b"\n", SAMPLE_BYTES)
            chunk = data if end < 0 else data[:end]
    if chunk.startswith(UTF8_BOM):
        chunk = chunk[len(UTF8_BOM) :]
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start > len(chunk) - 4:  # a multi-byte character cut in half
            return chunk[: exc.start].decode("utf-8", errors="replace")
        return chunk.decode("cp1252", errors="replace")


def sniff_delimiter(text: str, max_records: int = 200) -> str:
    """The delimiter among ``, ; TAB |`` that splits the sample most consistently.

    Each candidate parses the sample with the csv module (so quoted delimiters do
    not count); the winner has the most records sharing one field count > 1,
    then the widest such count. A file with one column gets ``,``.
    """
    best: tuple[float, int, int] = (0.0, 0, 0)
    best_delim = ","
    for rank, delim in enumerate(DELIMITERS):
        counts = Counter()
        try:
            reader = csv.reader(io.StringIO(text), delimiter=delim)
            for i, record in enumerate(reader):
                if i >= max_records:
                    break
                if record:
                    counts[len(record)] += 1
        except csv.Error:
            continue
        if not counts:
            continue
        width, hits = counts.most_common(1)[0]
        if width < 2:
            # maybe most rows are one field but the header is wide: still weak evidence
            wider = [w for w in counts if w > 1]
            if not wider:
                continue
            width = max(wider, key=lambda w: counts[w])
            hits = counts[width]
        score = (hits / sum(counts.values()), width, -rank)
        if score > best:
            best, best_delim = score, delim
    return best_delim


def parse_header(text: str, delimiter: str) -> list[str]:
    """The first record of a sample, parsed the way the csv module would."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for record in reader:
        return record
    return []
