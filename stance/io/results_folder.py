"""What a results folder holds (``run.json`` names its formats and files) and whether a folder may be written.

A results folder written by :func:`stance.io.export.write_results` has one set of formats, and
its ``run.json`` lists them (``"formats"``) with every file it holds (``"files"``). Readers read
exactly those files. Folders from before that record (no ``"files"`` in ``run.json``) are read
the old way: per table the first of Parquet, CSV, JSON that is there.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from stance.engines.shards import SHARDS_DIR

FORMATS = ("csv", "xlsx", "json", "parquet")
TABLES = ("sentences", "documents", "sources", "texts", "removed")
#: Formats a results folder can be read from, preferred first (XLSX is for people and may cut long cells).
READABLE = ("parquet", "csv", "json")
RUN_FILE = "run.json"
XLSX_FILE = "stance.xlsx"
#: Keys every run.json of this project has had, before ``files``/``formats`` were recorded.
LEGACY_KEYS = frozenset({"model", "templates", "targets"})


class ResultsError(ValueError):
    """A results folder cannot be read or written; the message is one line naming the folder."""


def table_file(name: str, fmt: str) -> str:
    """Return the file name of table ``name`` in format ``fmt`` (``stance.xlsx`` holds every table as a sheet)."""
    return XLSX_FILE if fmt == "xlsx" else f"{name}.{fmt}"


def result_file_names() -> set[str]:
    """Return every file name a results write can produce (tables in every format, the workbook, ``run.json``)."""
    return {table_file(t, f) for t in TABLES for f in FORMATS} | {RUN_FILE}


def read_run(folder: str | Path) -> dict | None:
    """Return the parsed ``run.json`` of ``folder``, ``None`` when there is none.

    Raises :class:`ResultsError` when it is there but is not a JSON object.
    """
    path = Path(folder) / RUN_FILE
    if not path.is_file():
        return None
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsError(f"{folder}: {RUN_FILE} cannot be read ({exc})") from None
    if not isinstance(run, dict):
        raise ResultsError(f"{folder}: {RUN_FILE} is not a JSON object")
    return run


def is_ours(run: object) -> bool:
    """Return whether a parsed ``run.json`` was written by this project (file list, or the keys runs always had)."""
    if not isinstance(run, dict):
        return False
    return (isinstance(run.get("files"), list) and isinstance(run.get("formats"), list)) or LEGACY_KEYS <= run.keys()


def table_paths(folder: str | Path, run: dict | None) -> dict[str, Path]:
    """Return table name → the file to read it from, for ``folder`` with its parsed ``run`` (or ``None``).

    With a file list in ``run``: the first readable format whose files it names, after checking
    that every named file is there. Raises :class:`ResultsError` (one line naming the folder) when
    a named file is missing, no readable format is recorded, or (old folders) a table is absent.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such results folder")
    files, formats = (run or {}).get("files"), (run or {}).get("formats")
    if not isinstance(files, list) or not isinstance(formats, list):
        return _legacy_paths(folder)
    missing = [f for f in files if not isinstance(f, str) or Path(f).name != f or not (folder / f).is_file()]
    if missing:
        shown = ", ".join(map(str, missing[:3])) + (" …" if len(missing) > 3 else "")
        raise ResultsError(f"{folder}: {RUN_FILE} names {len(missing)} file(s) that are not there ({shown}); "
                           "label the corpus again")
    for fmt in READABLE:
        if fmt in formats and all(table_file(t, fmt) in files for t in TABLES):
            return {t: folder / table_file(t, fmt) for t in TABLES}
    raise ResultsError(f"{folder}: holds {', '.join(map(str, formats)) or 'no tables'} only; reading needs "
                       f"{', '.join(READABLE)} (label again with --format parquet)")


def _legacy_paths(folder: Path) -> dict[str, Path]:
    out = {}
    for name in TABLES:
        found = [folder / table_file(name, f) for f in READABLE if (folder / table_file(name, f)).is_file()]
        if not found:
            raise ResultsError(f"{folder}: no {name} table (.parquet, .csv or .json)")
        out[name] = found[0]
    return out


def results_problem(folder: str | Path) -> str | None:
    """Return why ``folder`` cannot be read as results (one line), or ``None`` when its tables are all there."""
    try:
        table_paths(folder, read_run(folder))
    except ResultsError as exc:
        return str(exc)
    return None


def writable_destination(out: str | Path) -> Path:
    """Return ``out`` as an absolute path a results folder can be swapped in at.

    Raises :class:`ResultsError` (one line) for an empty name, a path that is a file, and the
    current working folder or one holding it (replacing it would pull the folder from under
    the running process).
    """
    if not str(out).strip():
        raise ResultsError("the folder name is empty; name the folder to write the results to")
    path = Path(out).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ResultsError(f"{out} is a file, not a folder")
    cwd = Path.cwd().resolve()
    if path == cwd or path in cwd.parents:
        raise ResultsError(f"{out} is the current folder or holds it; name a folder of its own for the results")
    return path


def check_out_folder(out: str | Path, force: bool = False) -> Path:
    """Check, before any work, that results may be written to ``out``; returns it as an absolute path.

    Refused with :class:`ResultsError` (one line naming the folder): what
    :func:`writable_destination` refuses; a non-empty folder that is not a results folder of
    ours (no ``run.json`` we wrote, and not just a Ray ``_shards`` folder) unless ``force``; a
    place where no folder can be created beside it (the results are built there and swapped in).
    """
    path = writable_destination(out)
    if path.is_dir() and not force:
        entries = sorted(p.name for p in path.iterdir())
        try:
            ours = is_ours(read_run(path))
        except ResultsError:
            ours = False
        if entries and not ours and entries != [SHARDS_DIR]:
            shown = ", ".join(entries[:3]) + (" …" if len(entries) > 3 else "")
            raise ResultsError(f"{out} is not empty ({shown}) and is not a results folder (no run.json of a stance "
                               "run); give a new or empty folder, or add --force to replace its tables")
    base = path.parent
    while not base.exists():
        base = base.parent
    if not base.is_dir():
        raise ResultsError(f"{out} cannot be created: {base} is a file")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".stance-probe-", dir=base))
    except OSError as exc:
        raise ResultsError(f"{out} cannot be written: {exc.strerror or exc} in {base}") from None
    return path
