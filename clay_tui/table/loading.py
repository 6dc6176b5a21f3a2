"""Reading a file into a typed Polars frame: CSV/TSV/TXT, Parquet, XLSX.

CSV has two paths. The fast one hands the bytes to ``polars.read_csv`` with every
column as text (a clean million-row file loads in about a third of a second).
A file that is not UTF-8 is decoded in Python (cp1252, then latin-1, with a
notice) and re-encoded, and Polars tries again. Only when Polars still refuses
(rows with more fields than the header) does the careful path parse the text
with the csv module, which keeps every field. Either way, types are inferred
afterwards by :mod:`clay_tui.table.inference`.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from clay_tui.errors import TableLoadError
from clay_tui.table.csv_sniff import (
    SAMPLE_BYTES,
    decode_bytes,
    looks_binary,
    parse_header,
    sample_text,
    sniff_delimiter,
)
from clay_tui.table.headers import clean_names
from clay_tui.table.inference import infer_types

CSV_EXTS = {".csv", ".tsv", ".txt", ".tab"}
PARQUET_EXTS = {".parquet", ".pq"}
EXCEL_EXTS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SUPPORTED = sorted(CSV_EXTS | PARQUET_EXTS | EXCEL_EXTS)
# Polars types a table keeps as they are; anything else becomes text.
KEPT = (pl.String, pl.Int64, pl.Float64, pl.Boolean, pl.Date)
# A file this big is shown from its first rows while the whole of it loads (load_head):
# ~40,000 lead rows, read in full in about 50 ms.
PREVIEW_MIN_BYTES = 4 << 20
HEAD_BYTES = 1 << 18  # CSV: ~2,000 lead rows, many screenfuls
HEAD_ROWS = 2_000  # Parquet


@dataclass
class Loaded:
    frame: pl.DataFrame  # typed data columns only (no row id), names de-duplicated
    notices: list[str] = field(default_factory=list)


def load_file(path: Path, *, sheet: str | None = None) -> Loaded:
    """Read ``path`` as a table, or raise :class:`TableLoadError` with one sentence."""
    path = Path(path).expanduser()
    ext = _check_path(path)
    if ext in CSV_EXTS:
        loaded = _load_csv(path)
    elif ext in PARQUET_EXTS:
        loaded = _load_parquet(path)
    else:
        loaded = _load_excel(path, sheet)
    if sheet is not None and ext not in EXCEL_EXTS:
        loaded.notices.append(f"--sheet {sheet} was ignored: {path.name} is not a spreadsheet.")
    return loaded


# ---------------------------------------------------------------- checks
def _check_path(path: Path) -> str:
    if not path.exists():
        raise TableLoadError(f"File not found: {path}.")
    if path.is_dir():
        raise TableLoadError(f"{path} is a folder, not a file.")
    if not os.access(path, os.R_OK):
        raise TableLoadError(f"No permission to read {path}.")
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        what = f"'{ext}'" if ext else "no extension"
        raise TableLoadError(
            f"Cannot open {path.name}: {what} is not a supported file type "
            "(use .csv, .tsv, .txt, .parquet or .xlsx)."
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TableLoadError(f"Cannot read {path}: {exc.strerror}.") from None
    if size == 0:
        raise TableLoadError(f"{path.name} is empty.")
    return ext


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError:
        raise TableLoadError(f"No permission to read {path}.") from None
    except OSError as exc:
        raise TableLoadError(f"Cannot read {path}: {exc.strerror}.") from None


# ---------------------------------------------------------------- first rows
def load_head(path: Path, *, min_bytes: int = PREVIEW_MIN_BYTES) -> Loaded | None:
    """The first rows of a file of at least ``min_bytes``, read and typed the way
    :func:`load_file` reads the whole file: CSV, the rows within its first ``HEAD_BYTES``;
    Parquet, its first ``HEAD_ROWS``. For the first screen while the whole file loads, so
    None whenever that is not worth it or cannot be done this way (a small file, a
    spreadsheet, UTF-16, anything unreadable: the whole read says why)."""
    path = Path(path).expanduser()
    try:
        ext = _check_path(path)
        if path.stat().st_size < min_bytes:
            return None
        if ext in CSV_EXTS:
            with path.open("rb") as fh:
                data = fh.read(HEAD_BYTES)
            cut = data.rfind(b"\n")
            if cut <= 0 or data.startswith((b"\xff\xfe", b"\xfe\xff")):
                return None
            return _csv_from_bytes(data[: cut + 1], path)
        if ext in PARQUET_EXTS:
            return _load_parquet(path, rows=HEAD_ROWS)
    except (TableLoadError, OSError, pl.exceptions.PolarsError):
        return None
    return None


# ---------------------------------------------------------------- CSV
def _load_csv(path: Path) -> Loaded:
    return _csv_from_bytes(_read_bytes(path), path)


def _csv_from_bytes(data: bytes, path: Path) -> Loaded:
    if not data[:65536].strip(b" \t\r\n\xef\xbb\xbf") and len(data) <= 65536:
        raise TableLoadError(f"{path.name} is empty.")
    if looks_binary(data[:65536]):
        raise TableLoadError(f"{path.name} is not a text table (it looks like a binary file).")
    notices: list[str] = []
    text = ""
    found = None
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 needs decoding first
        found = _polars_paths(data, sample_text(data))
    if found is None:
        # Polars refuses bytes that are not UTF-8: decode, re-encode, try again
        text, encoding = decode_bytes(data)
        if encoding in ("cp1252", "latin-1"):
            notices.append(f"Read as {encoding}: the file is not UTF-8.")
        elif encoding == "utf-16":
            notices.append("Read as UTF-16.")
        if encoding != "utf-8":
            found = _polars_paths(text.encode("utf-8"), text[:SAMPLE_BYTES])
    frame = None
    if found is not None:
        frame, header, more = found
        notices += more
    if frame is None:
        frame, more = _python_csv(path, text)
        notices += more
    else:
        names, name_notices = clean_names(list(header))
        frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
        notices += name_notices
    del data, text, found  # the raw file is as big as the frame: release it before inference
    frame, skipped = _drop_blank_rows(frame)
    if skipped:
        notices.append(f"Skipped {skipped} blank row(s).")
    return Loaded(infer_types(frame), notices)


def _polars_paths(data: bytes, sample: str) -> tuple[pl.DataFrame, list[str], list[str]] | None:
    """Polars as is, then Polars reading wider for rows with extra fields; None if neither."""
    frame, header = _polars_csv(data, sample)
    if frame is not None:
        return frame, header, []
    if not header:
        return None
    return _polars_ragged(data, sample, header)


def _drop_blank_rows(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Rows with no value at all (blank lines, or only delimiters) carry nothing: drop them."""
    if frame.width == 0 or frame.height == 0:
        return frame, 0
    if any(s.null_count() == 0 for s in frame.iter_columns()):
        return frame, 0  # a column without an empty cell: no row is blank (no scan of them all)
    blank = frame.select(pl.all_horizontal(pl.all().is_null()).alias("blank")).to_series()
    count = blank.sum()
    if not count:
        return frame, 0
    return frame.filter(~blank), int(count)


def _polars_csv(data: bytes, sample: str) -> tuple[pl.DataFrame | None, list[str]]:
    """The fast path: (frame with placeholder names, header); frame None if it cannot."""
    delimiter = sniff_delimiter(sample)
    header = parse_header(sample, delimiter)
    if not header:
        return None, header
    try:
        frame = pl.read_csv(
            data,
            separator=delimiter,
            has_header=True,
            infer_schema=False,
            quote_char='"',
            raise_if_empty=False,
            truncate_ragged_lines=False,
            new_columns=[f"c{i}" for i in range(len(header))],
        )
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None, header
    if frame.width != len(header):
        return None, header
    return frame, header


def _polars_ragged(
    data: bytes, sample: str, header: list[str]
) -> tuple[pl.DataFrame, list[str], list[str]] | None:
    """Rows longer than the header, still at Polars speed: (frame, names, notices) or None.

    The file is read without a header into more columns than any row should need;
    short rows are padded, and the extra columns that hold something are kept.
    """
    delimiter = sniff_delimiter(sample)
    for extra in (16, 256):
        width = len(header) + extra
        try:
            raw = pl.read_csv(
                data,
                separator=delimiter,
                has_header=False,
                schema={f"c{i}": pl.String for i in range(width)},
                missing_columns="insert",
                quote_char='"',
                raise_if_empty=False,
                truncate_ragged_lines=False,
            )
        except (pl.exceptions.PolarsError, OSError, ValueError):
            continue
        if raw.height == 0:
            return None
        body = raw.slice(1)
        used = body.select(pl.all().is_not_null().any()).row(0)
        last = max([i for i, u in enumerate(used) if u] + [len(header) - 1])
        if last >= width - 1:
            continue  # maybe cut short: try wider
        body = body.select(raw.columns[: last + 1])
        notices: list[str] = []
        if last >= len(header):
            extras = body.select(raw.columns[len(header) : last + 1])
            long_rows = extras.select(pl.any_horizontal(pl.all().is_not_null()).sum()).item()
            cols = ", ".join(f"column_{i}" for i in range(len(header) + 1, last + 2))
            notices.append(
                f"{long_rows} row(s) had more fields than the header; the extra fields are in "
                f"column(s) {cols}."
            )
        return body, header + [""] * (last + 1 - len(header)), notices
    return None


def _python_csv(path: Path, text: str) -> tuple[pl.DataFrame, list[str]]:
    """The careful path: the csv module keeps every field of every row."""
    notices: list[str] = []
    delimiter = sniff_delimiter(text[:SAMPLE_BYTES])
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise TableLoadError(f"{path.name} is not a readable table: {exc}.") from None
    records = [r for r in records if r]  # csv yields [] for blank lines
    if not records:
        raise TableLoadError(f"{path.name} is empty.")
    header, rows = records[0], records[1:]
    width = max(len(header), max((len(r) for r in rows), default=0))
    long_rows = sum(1 for r in rows if len(r) > len(header))
    short_rows = sum(1 for r in rows if len(r) < len(header))
    if long_rows:
        notices.append(
            f"{long_rows} row(s) had more fields than the header; the extra fields are in "
            f"column(s) {', '.join(f'column_{i}' for i in range(len(header) + 1, width + 1))}."
        )
    if short_rows:
        notices.append(f"{short_rows} short row(s) were padded with empty cells.")
    names, name_notices = clean_names(header + [""] * (width - len(header)))
    notices += name_notices
    columns: dict[str, list[str | None]] = {n: [] for n in names}
    lists = list(columns.values())
    for r in rows:
        for i in range(width):
            v = r[i] if i < len(r) else None
            lists[i].append(v if v else None)
    frame = pl.DataFrame(columns, schema={n: pl.String for n in names})
    return frame, notices


# ---------------------------------------------------------------- Parquet
def _load_parquet(path: Path, *, rows: int | None = None) -> Loaded:
    try:
        # "[x].parquet" is a name, not a pattern
        frame = pl.read_parquet(path, glob=False, n_rows=rows)
    except PermissionError:
        raise TableLoadError(f"No permission to read {path}.") from None
    except Exception:  # noqa: BLE001 - any failure here means "not a Parquet table"
        raise TableLoadError(f"{path.name} is not a readable Parquet file.") from None
    if frame.width == 0:
        raise TableLoadError(f"{path.name} has no columns.")
    names, notices = clean_names(list(frame.columns))
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    return Loaded(_normalise_types(frame), notices)


def _normalise_types(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep text/int/float/bool/date; widen other numbers; everything else becomes text."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype in KEPT:
            continue
        if dtype.is_integer():
            exprs.append(pl.col(name).cast(pl.Int64))
        elif dtype.is_float() or dtype.is_decimal():
            exprs.append(pl.col(name).cast(pl.Float64))
        elif dtype.is_nested():
            exprs.append(pl.col(name).map_elements(str, return_dtype=pl.String))
        else:
            exprs.append(pl.col(name).cast(pl.String))
    return frame.with_columns(exprs) if exprs else frame


# ---------------------------------------------------------------- Excel
def _load_excel(path: Path, sheet: str | None) -> Loaded:
    try:
        import fastexcel
    except ImportError:  # pragma: no cover - a dependency
        raise TableLoadError("Reading spreadsheets needs the fastexcel package.") from None
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception:  # noqa: BLE001
        raise TableLoadError(f"{path.name} is not a readable spreadsheet.") from None
    names = list(reader.sheet_names)
    if not names:
        raise TableLoadError(f"{path.name} has no sheets.")
    if sheet is None:
        chosen: str | int = 0
    elif sheet in names:
        chosen = sheet
    else:
        raise TableLoadError(
            f"{path.name} has no sheet named {sheet!r} (sheets: {', '.join(names)})."
        )
    try:
        frame = reader.load_sheet(chosen, header_row=None, dtypes="string").to_polars()
    except Exception as exc:  # noqa: BLE001
        raise TableLoadError(f"Cannot read sheet {chosen!r} of {path.name}: {exc}.") from None
    if frame.height == 0:
        raise TableLoadError(f"The sheet in {path.name} is empty.")
    header = [v if v is not None else "" for v in frame.row(0)]
    clean, notices = clean_names([str(h) for h in header])
    body = frame.slice(1).rename(dict(zip(frame.columns, clean, strict=True)))
    body = body.with_columns(pl.col(pl.String).replace("", None))
    body = body.with_columns(_excel_dates(body))
    return Loaded(infer_types(body), notices)


def _excel_dates(frame: pl.DataFrame) -> list[pl.Expr]:
    """Date cells arrive as ``YYYY-MM-DD 00:00:00``; a whole day is shown as the date alone."""
    return [
        pl.col(c).str.replace(r"^([0-9]{4}-[0-9]{2}-[0-9]{2}) 00:00:00$", "$1")
        for c, d in frame.schema.items()
        if d == pl.String
    ]
