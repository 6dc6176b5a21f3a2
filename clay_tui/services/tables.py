"""Tables, the one way in for both front ends: import, open, list, export."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from clay_tui.clock import iso
from clay_tui.errors import ClayError, TableLoadError, TableNotFound
from clay_tui.table import registry
from clay_tui.table.csv_guard import guard_frame
from clay_tui.table.frame_store import FolderFrames, frame_store
from clay_tui.table.lead_table import (
    ROW_ID,
    LeadTable,
    wait_for_pending,
    with_row_ids,
)
from clay_tui.table.loading import HEAD_ROWS, PREVIEW_MIN_BYTES, load_file, load_head
from clay_tui.table.preview import PreviewTable
from clay_tui.workspace import Workspace

SAMPLE_NAME = "leads"


@dataclass(frozen=True)
class TableInfo:
    id: int
    name: str
    rows: int
    columns: int
    source_path: str | None
    created_at: str


def sample_table_path() -> Path:
    """``sample_tables/leads.csv`` from a checkout; installed, the same file rebuilt once.

    The installed package has no ``sample_tables/`` folder, so the identical file
    is generated (:mod:`clay_tui.table.sample_data`) into the user cache folder.
    """
    repo = Path(__file__).resolve().parents[2] / "sample_tables" / "leads.csv"
    if repo.is_file():
        return repo
    import platformdirs

    from clay_tui.table.sample_data import SAMPLE_ROWS, SAMPLE_SEED, make_leads

    path = Path(platformdirs.user_cache_dir("clay-tui")) / "sample_tables" / "leads.csv"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".leads.{os.getpid()}.tmp")
        make_leads(SAMPLE_ROWS, messy=True, seed=SAMPLE_SEED).write_csv(tmp)
        os.replace(tmp, path)
    return path


def _cache(ws: Workspace) -> dict[int, LeadTable]:
    return ws.shared("tables", dict)


def get_table(ws: Workspace, table_id: int) -> LeadTable:
    """The table with this id (the same object every time for this workspace), level with
    what other processes journaled and with every stored enrichment result."""
    cache = _cache(ws)
    table = cache.get(table_id)
    if table is None:
        if registry.table_row(ws, table_id) is None:
            raise TableNotFound(f"No table with id {table_id} in this workspace.")
        table = LeadTable(ws, table_id)
        _track(ws, table)
        # the snapshot may lag behind the stored results (a kill, a rebuild from the source
        # file, another process's save): they come back before anyone reads the table
        apply_stored_results(ws, table)
    else:
        table.refresh()
    return table


def _track(ws: Workspace, table: LeadTable) -> None:
    table.results_loader = lambda t, cols: apply_stored_results(ws, t, cols, remote=True)
    _cache(ws)[table.id] = table


def apply_stored_results(
    ws: Workspace,
    table: LeadTable,
    columns: set[str] | None = None,
    *,
    remote: bool = False,
) -> int:
    """Put every stored enrichment result (``cells`` in workspace.db, the source of truth)
    into the table's output columns (only those in ``columns``, if given); only cells that
    differ are written. Returns how many."""
    from clay_tui.enrich.arrived import results_mark
    from clay_tui.enrich.columns import sync_results

    mark = results_mark(ws, table)  # before reading: what comes after it is still news
    written = sync_results(ws, table, columns, remote=remote)
    if columns is None:
        table.results_seq = max(table.results_seq, mark)
    return written


def import_table(
    ws: Workspace, path: Path, *, name: str | None = None, sheet: str | None = None
) -> LeadTable:
    """Import a file as a new table; the same file again opens the table it became."""
    path = Path(path).expanduser()
    source = str(path.resolve())
    existing = registry.find_by_source(ws, source, sheet)
    if existing is not None:
        return get_table(ws, existing["id"])
    if name is not None:
        name = name.strip()
        if not name:
            raise ClayError("A table name cannot be blank.")
        if name.isdigit():
            raise ClayError(f"A table name cannot be only digits ({name}): ids are numbers.")
        if registry.find_by_name(ws, name) is not None:
            raise ClayError(f"A table named {name} already exists; choose another --name.")
    loaded = load_file(path, sheet=sheet)
    frame = with_row_ids(loaded.frame)
    with ws.transaction() as db:
        table_name = name or _free_name(ws, path.stem)
        cur = db.execute(
            "INSERT INTO tables (name, source_path, sheet, created_at, next_row_id, auto_update)"
            " VALUES (?, ?, ?, ?, ?, 0) RETURNING id",  # a new table starts with auto-update off
            (table_name, source, sheet, iso(ws.clock.now()), frame.height + 1),
        )
        table_id = int(cur.fetchone()[0])
    frame_store(ws).drop(str(table_id))  # never mistake an orphan for this table
    table = LeadTable(ws, table_id, initial=frame)  # writes its first snapshot in the background
    _track(ws, table)
    table.notices = list(loaded.notices)
    return table


def _free_name(ws: Workspace, stem: str) -> str:
    base = stem.strip() or "table"
    if base.isdigit():
        base = f"table_{base}"
    name, k = base, 2
    while registry.find_by_name(ws, name) is not None:
        name, k = f"{base}_{k}", k + 1
    return name


# Start-up: `clay-tui FILE` starts opening FILE before it imports the TUI (Polars reads while
# Textual loads); the app's own preview_table and open_table of that target take the results.
_prefetch: tuple[Workspace, str | Path | None, Future[LeadTable]] | None = None
_prefetched: list[Future[LeadTable]] = []
_preview: tuple[Workspace, str | Path | None, Future[PreviewTable | None]] | None = None
# With first rows to show, the whole read waits until they are painted (it would take both
# cores from the first screen), or this long at most.
_shown = threading.Event()
SHOWN_WAIT_S = 2.0


def prefetch_table(ws: Workspace, target: str | Path | None) -> None:
    """Start ``open_table(ws, target)`` in a thread, after ``preview_table``'s first rows; the
    next ``preview_table`` and ``open_table`` of that target on ``ws`` return their results (or
    raise the error) instead of reading again."""
    global _prefetch, _preview
    future: Future[LeadTable] = Future()
    preview: Future[PreviewTable | None] = Future()

    def run() -> None:
        first = _preview_table(ws, target)
        preview.set_result(first)
        if first is not None:
            _shown.wait(SHOWN_WAIT_S)
        try:
            future.set_result(_open_table(ws, target))
        except BaseException as exc:  # handed to whoever takes the result
            future.set_exception(exc)

    _prefetch = (ws, target, future)
    _preview = (ws, target, preview)
    _shown.clear()
    _prefetched.append(future)
    threading.Thread(target=run, name="clay-tui open", daemon=True).start()


def settle_prefetch() -> None:
    """Wait until every prefetch has finished (before the workspace closes) and forget them;
    an error nobody took is dropped (the app reported it, or never got to ask)."""
    global _prefetch, _preview
    _prefetch = _preview = None
    _shown.set()
    while _prefetched:
        _prefetched.pop().exception()


def open_table(ws: Workspace, target: str | Path | None) -> LeadTable:
    """A table by name, numeric id or file path (imported on first use); None = the sample leads."""
    global _prefetch
    pending = _prefetch
    if pending is not None and pending[0] is ws and pending[1] == target:
        _prefetch = None
        return pending[2].result()
    return _open_table(ws, target)


def preview_table(ws: Workspace, target: str | Path | None) -> PreviewTable | None:
    """The first rows of ``target`` (as ``open_table`` would resolve it) when it is big enough
    to take a while to open in full: a file not imported yet, or a table's snapshot. Read-only,
    for the first screen; None when not worth it or not possible (``open_table`` says why)."""
    global _preview
    pending = _preview
    if pending is not None and pending[0] is ws and pending[1] == target:
        _preview = None
        return pending[2].result()
    return _preview_table(ws, target)


def preview_shown() -> None:
    """The first rows from ``preview_table`` are on screen: a prefetch may read the rest."""
    _shown.set()


def _preview_table(ws: Workspace, target: str | Path | None) -> PreviewTable | None:
    try:
        if target is None:
            return None  # the sample: 200 rows
        text = str(target).strip()
        row = registry.find_by_name(ws, text)
        if row is None and text.isdigit():
            row = registry.table_row(ws, int(text))
        path = Path(text).expanduser()
        if row is None and path.is_file():
            row = registry.find_by_source(ws, str(path.resolve()), None)
            if row is None:
                head = load_head(path)
                return PreviewTable(path.stem, with_row_ids(head.frame)) if head else None
        if row is None:
            return None
        store = frame_store(ws)
        if not isinstance(store, FolderFrames):
            return None  # a team workspace's rows come in one read (ADBC)
        snapshot = store.path(str(row["id"]))
        if snapshot.stat().st_size < PREVIEW_MIN_BYTES:
            return None
        frame = pl.read_parquet(snapshot, glob=False, n_rows=HEAD_ROWS)
        return PreviewTable(row["name"], frame) if frame.columns[:1] == [ROW_ID] else None
    except (ClayError, OSError, pl.exceptions.PolarsError):
        return None  # open_table says what is wrong


def _open_table(ws: Workspace, target: str | Path | None) -> LeadTable:
    if target is None:
        return import_table(ws, sample_table_path(), name=None)
    if isinstance(target, str):
        text = target.strip()
        row = registry.find_by_name(ws, text)
        if row is not None:
            return get_table(ws, row["id"])
        if text.isdigit() and registry.table_row(ws, int(text)) is not None:
            return get_table(ws, int(text))
        target = Path(text)
    path = Path(target).expanduser()
    if path.exists() or path.suffix:
        return import_table(ws, path)
    raise TableNotFound(
        f"No table or file named {str(target)!r}; `clay-tui tables` lists the tables."
    )


def find_table(ws: Workspace, target: str) -> LeadTable:
    """An existing table by name or id (never imports)."""
    row = registry.find_by_name(ws, target)
    if row is None and target.strip().isdigit():
        row = registry.table_row(ws, int(target))
    if row is None:
        raise TableNotFound(f"No table named {target!r}; `clay-tui tables` lists the tables.")
    return get_table(ws, row["id"])


def list_tables(ws: Workspace) -> list[TableInfo]:
    infos = []
    for row in registry.all_tables(ws):
        cached = _cache(ws).get(row["id"])
        if cached is not None:
            rows, cols = cached.row_count, len(cached.columns)
        else:
            rows, cols = _snapshot_shape(ws, row["id"])
        infos.append(
            TableInfo(
                row["id"], row["name"], rows, cols, row["source_path"], row["created_at"] or ""
            )
        )
    return infos


def _snapshot_shape(ws: Workspace, table_id: int) -> tuple[int, int]:
    """Rows and columns, from the snapshot's metadata when the journal adds nothing to it."""
    store, name = frame_store(ws), str(table_id)
    wait_for_pending(store.key(name))
    try:
        snap_seq = store.snapshot_seq(name)
        last = ws.db.execute(
            "SELECT MAX(seq) FROM table_journal WHERE table_id = ?", (table_id,)
        ).fetchone()[0]
        if last is None or last <= snap_seq:
            return store.shape(name)
        table = get_table(ws, table_id)
        return table.row_count, len(table.columns)
    except (OSError, ClayError, pl.exceptions.PolarsError):
        return 0, 0


def export_table(ws: Workspace, table: LeadTable, out: Path, *, raw: bool = False) -> int:
    """Write the table's data (no row ids) as CSV, Parquet or XLSX, chosen by extension.

    CSV is guarded against formula injection unless ``raw``: a text cell or header that a
    spreadsheet would run (``=…``, ``+1+1``, ``@SUM(1)``...) is written with a leading ``'``
    (see :mod:`clay_tui.table.csv_guard`). Returns how many cells and headers were guarded.
    The file is written beside ``out`` and renamed over it, so ``out`` is never half-written.
    """
    out = Path(out).expanduser()
    ext = out.suffix.lower()
    if ext not in (".csv", ".parquet", ".xlsx"):
        raise ClayError(f"Cannot export to {out.name}: use a .csv, .parquet or .xlsx file name.")
    if out.is_dir():
        raise ClayError(f"{out} is a folder; give a file name.")
    if not out.parent.exists():
        raise ClayError(f"Folder {out.parent} does not exist.")
    # what other processes changed and every stored (paid) result go out too (a result this
    # copy lacks came from elsewhere: no auto-update here runs on it)
    table.refresh()
    apply_stored_results(ws, table, remote=True)
    frame = table.frame.drop(ROW_ID)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    guarded = 0
    try:
        if ext == ".csv":
            guarded = _write_csv(frame, tmp, raw=raw)
        elif ext == ".parquet":
            frame.write_parquet(tmp)
        else:
            frame.write_excel(tmp, worksheet=table.name[:31] or "Sheet1")
        os.replace(tmp, out)
    except PermissionError:
        raise ClayError(f"No permission to write {out}.") from None
    except OSError as exc:
        raise ClayError(f"Cannot write {out}: {exc.strerror}.") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return guarded


def _csv_field(text: str) -> str:
    """One header field quoted the way Polars quotes cells."""
    if text == "" or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _write_csv(frame: pl.DataFrame, path: Path, *, raw: bool) -> int:
    header, guarded = list(frame.columns), 0
    if not raw:
        frame, header, guarded = guard_frame(frame)
    with open(path, "wb") as fh:
        fh.write((",".join(_csv_field(name) for name in header) + "\n").encode("utf-8"))
        frame.write_csv(fh, include_header=False)
    return guarded


def save_all(ws: Workspace) -> None:
    """Save every table opened in this workspace (called on exit)."""
    for table in list(_cache(ws).values()):
        table.save()


def set_table_auto_update(ws: Workspace, table: LeadTable, on: bool) -> None:
    registry.set_auto_update(ws, table.id, on)


def table_auto_update(ws: Workspace, table: LeadTable) -> bool:
    return registry.auto_update(ws, table.id)


__all__ = [
    "TableInfo",
    "TableLoadError",
    "sample_table_path",
    "import_table",
    "open_table",
    "preview_table",
    "preview_shown",
    "prefetch_table",
    "settle_prefetch",
    "find_table",
    "get_table",
    "list_tables",
    "export_table",
    "apply_stored_results",
    "save_all",
    "set_table_auto_update",
    "table_auto_update",
]
