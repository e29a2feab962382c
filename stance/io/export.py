"""Write and read the result tables in CSV, XLSX, JSON and Parquet.

A results folder holds ``sentences``, ``documents``, ``sources``, ``texts`` and
``removed`` tables (one file each, or one ``stance.xlsx`` workbook with a sheet each) and
``run.json`` describing the run (model, templates, counts, timings) and naming the formats and
files the folder holds (``stance.io.results_folder``). A folder is written whole: built beside
its destination and swapped in by rename (``stance.io.atomic``), so it is the old results or the
new ones, never a mixture. CSV and XLSX are spreadsheet-safe unless asked raw
(``stance.io.cell_safety``). Parquet, the app's format, keeps text once: sentence text lives in
``texts``, and ``texts`` refers to the corpus when the corpus is still there to re-derive it
(``stance.io.texts``).
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stance.engines.local import Results
from stance.io.atomic import (
    atomic_write_bytes,
    atomic_write_text,
    clean_leftovers,
    keep_entries,
    swap_in_folder,
    temp_folder_beside,
)
from stance.io.cell_safety import quote_frame, strings_not_formulas, unquote_frame
from stance.io.results_folder import (
    FORMATS,
    RUN_FILE,
    TABLES,
    XLSX_FILE,
    ResultsError,
    read_run,
    result_file_names,
    table_paths,
    writable_destination,
)
from stance.io.texts import reference_texts, restore_texts

__all__ = ["FORMATS", "TABLES", "XLSX_MAX_CELL", "ResultsError", "read_results", "tables_to_bytes", "write_results",
           "write_table"]

#: Excel's cell limit; longer cells (whole cleaned texts) are cut with a marker.
XLSX_MAX_CELL = 32_000


def _xlsx_safe(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
            out.isetitem(i, col.map(
                lambda v: v[:XLSX_MAX_CELL] + "…[cut]" if isinstance(v, str) and len(v) > XLSX_MAX_CELL else v))
    return out


def _check_formats(formats: Sequence[str]) -> list[str]:
    """Return ``formats`` without repeats; raises ``ValueError`` naming an unknown one."""
    out = list(dict.fromkeys(formats))
    bad = [f for f in out if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown format {bad[0]!r}; choose from {', '.join(FORMATS)}")
    return out


def _xlsx_bytes(tables: dict[str, pd.DataFrame], raw: bool) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in tables.items():
            _xlsx_safe(df).to_excel(xw, sheet_name=name[:31], index=False)
        if not raw:
            strings_not_formulas(xw.book)
    return buf.getvalue()


def write_table(df: pd.DataFrame, path: Path, fmt: str, *, raw: bool = False) -> Path:
    """Write one table as ``fmt`` to ``path`` (suffix added); returns the file written.

    CSV and XLSX are spreadsheet-safe (formula-like text quoted; text cells stored as strings)
    unless ``raw``; JSON and Parquet are written as they are. The file is written atomically.
    """
    path = Path(path).with_suffix(f".{fmt}")
    if fmt == "parquet":
        # zstd at a high level halves committed tables (texts, sentences) at no reading cost
        buf = io.BytesIO()
        df.to_parquet(buf, index=False, compression="zstd", compression_level=19)
        data = buf.getvalue()
    elif fmt == "xlsx":
        data = _xlsx_bytes({path.stem: df}, raw)
    else:
        data = tables_to_bytes({path.stem: df}, fmt, raw=raw)
    return atomic_write_bytes(path, data)


def tables_to_bytes(tables: dict[str, pd.DataFrame], fmt: str, *, raw: bool = False) -> bytes:
    """Serialise one or more tables to bytes (XLSX: a sheet per table; others: first table).

    Used by the dashboard's download buttons so downloads and CLI exports share one writer.
    CSV and XLSX come spreadsheet-safe (:mod:`stance.io.cell_safety`) unless ``raw`` (machine use).
    """
    if fmt == "xlsx":
        return _xlsx_bytes(tables, raw)
    df = next(iter(tables.values()))
    if fmt == "csv":
        # CRLF rows (RFC 4180): a cell holding a carriage return is then quoted, so it reads back whole
        return (df if raw else quote_frame(df)).to_csv(index=False, lineterminator="\r\n").encode()
    if fmt == "json":
        return df.to_json(orient="records", force_ascii=False, indent=1).encode()
    if fmt == "parquet":
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        return buf.getvalue()
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def write_results(results: Results, out: str | Path, formats: Sequence[str] = ("csv",), *,
                  raw: bool = False) -> list[Path]:
    """Write every table of ``results`` to folder ``out`` in each of ``formats``; returns the paths written.

    XLSX goes to one workbook ``stance.xlsx`` with a sheet per table; ``raw`` turns off the
    spreadsheet-safe CSV/XLSX cells. The folder is built beside ``out`` and swapped in whole:
    an old results folder there is replaced (its tables in other formats go), files that are not
    result tables (``overrides.csv``, Ray's ``_shards``) are kept, and a failure at any point
    leaves ``out`` as it was. ``run.json`` records ``formats``, ``files`` and ``formula_safe``.
    Raises :class:`~stance.io.results_folder.ResultsError` before writing when ``out`` is a file,
    empty, or the current folder (or holds it); check a command's destination before any work
    with :func:`stance.io.results_folder.check_out_folder`.
    """
    formats = _check_formats(formats)
    dest = writable_destination(out)
    tables = {name: getattr(results, name) for name in TABLES}
    tables["sentences"] = _drop_redundant_premise(tables["sentences"])
    run = dict(results.run)
    compact_texts = None
    if "parquet" in formats and run.get("corpus_path"):
        compact_texts = reference_texts(tables["texts"], run["corpus_path"])
    run.pop("texts_from_corpus", None)
    if compact_texts is not None:
        run["texts_from_corpus"] = run["corpus_path"]
    clean_leftovers(dest)
    tmp = temp_folder_beside(dest)
    try:
        names = _write_tables(tables, tmp, formats, compact_texts, raw)
        run.update(formats=formats, files=names, formula_safe=not raw)
        atomic_write_text(tmp / RUN_FILE, json.dumps(run, indent=1, ensure_ascii=False, default=str) + "\n")
        if dest.is_dir():  # human labels, Ray shards, a person's own files: kept; old tables: not
            keep_entries(dest, tmp, skip=result_file_names())
        swap_in_folder(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [Path(out) / n for n in [*names, RUN_FILE]]


def _write_tables(tables: dict[str, pd.DataFrame], folder: Path, formats: list[str],
                  compact_texts: pd.DataFrame | None, raw: bool) -> list[str]:
    """Write the tables into ``folder`` in each format; returns the file names written."""
    names = []
    for fmt in formats:
        if fmt == "xlsx":
            names.append(atomic_write_bytes(folder / XLSX_FILE, _xlsx_bytes(tables, raw)).name)
            continue
        for name, df in tables.items():
            if fmt == "parquet" and name == "sentences":
                df = _drop_sentence_text(df, tables["texts"])
            if fmt == "parquet" and name == "texts" and compact_texts is not None:
                df = compact_texts  # the corpus holds the text; see stance.io.texts
            names.append(write_table(df, folder / name, fmt, raw=raw).name)
    return names


def _drop_redundant_premise(sentences: pd.DataFrame) -> pd.DataFrame:
    # With sentence context (the default) every premise is its sentence: writing it again
    # would double the largest column of a results folder. read_results restores it.
    if "premise" in sentences and "sentence" in sentences and sentences["premise"].equals(sentences["sentence"]):
        return sentences.drop(columns="premise")
    return sentences


def _sentence_texts(texts: pd.DataFrame) -> pd.Series:
    """Return every document's sentences from the texts table, indexed by (doc_id, sent_idx)."""
    rows = [(doc, i, text) for doc, js in zip(texts["doc_id"], texts["sentences"])
            for i, text in enumerate(json.loads(js) if isinstance(js, str) else list(js))]
    frame = pd.DataFrame(rows, columns=["doc_id", "sent_idx", "sentence"])
    return frame.set_index(["doc_id", "sent_idx"])["sentence"]


def _drop_sentence_text(sentences: pd.DataFrame, texts: pd.DataFrame) -> pd.DataFrame:
    # Parquet is the app's storage format: there each sentence's text is kept once, in the
    # texts table, and read_results puts it back. Only when every row's text is exactly the
    # one texts holds; CSV, JSON and XLSX stay self-contained for people to read.
    if "sentence" not in sentences or sentences.empty or "sentences" not in texts:
        return sentences
    keys = pd.MultiIndex.from_arrays([sentences["doc_id"], sentences["sent_idx"]])
    stored = _sentence_texts(texts).reindex(keys)
    if not np.array_equal(stored.to_numpy(dtype=object), sentences["sentence"].to_numpy(dtype=object)):
        return sentences
    return sentences.drop(columns="sentence")


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(folder)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def read_results(folder: str | Path) -> Results:
    """Read a results folder written by :func:`write_results`: exactly the files its ``run.json`` names.

    Takes the folder; returns its :class:`Results` (Parquet preferred, then CSV, JSON; folders
    from before ``run.json`` named its files: the first of those found per table). Raises
    :class:`~stance.io.results_folder.ResultsError` (a ``ValueError``, one line naming the
    folder) when a named file or a table is missing or only XLSX is there. A folder swapped for
    a new one while it is read is read again.
    """
    folder = Path(folder)
    for _ in range(3):
        ident = _identity(folder)
        try:
            results = _read_once(folder)
        except (OSError, ValueError):
            if _identity(folder) == ident:
                raise
            continue
        if _identity(folder) == ident:
            return results
    return _read_once(folder)


def _read_table(path: Path, quoted: bool) -> pd.DataFrame:
    """Read one table file (by its suffix); CSV written spreadsheet-safe gets its quotes taken off."""
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        if path.suffix == ".json":
            return pd.read_json(path, orient="records")
        df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except OSError as exc:
        raise ResultsError(f"{path.parent}: cannot read {path.name} ({exc.strerror or exc})") from None
    return unquote_frame(df) if quoted else df


def _read_once(folder: Path) -> Results:
    run = read_run(folder)
    paths = table_paths(folder, run)
    run = run or {}
    quoted = run.get("formula_safe") is True
    tables = {name: _read_table(path, quoted) for name, path in paths.items()}
    if "clean_text" not in tables["texts"] and run.get("texts_from_corpus"):
        tables["texts"] = restore_texts(tables["texts"], run["texts_from_corpus"], folder)
    for name in ("sentences", "removed"):
        for col in ("cue", "text", "aliases"):
            if col in tables[name]:
                tables[name][col] = tables[name][col].fillna("")
    sents = tables["sentences"]
    if "sentence" not in sents:  # Parquet keeps sentence text once, in the texts table
        text = _sentence_texts(tables["texts"]).reindex(pd.MultiIndex.from_arrays([sents["doc_id"], sents["sent_idx"]]))
        if text.isna().any():
            raise ValueError(f"{folder}: sentences table has no sentence text and the texts table lacks "
                             f"{int(text.isna().sum())} of its sentences; relabel the corpus")
        at = sents.columns.get_loc("paragraph") + 1 if "paragraph" in sents else len(sents.columns)
        sents.insert(at, "sentence", text.to_numpy(dtype=object))
    if "premise" not in sents and "sentence" in sents:  # written without it: the premise was the sentence
        sents.insert(sents.columns.get_loc("sentence") + 1, "premise", sents["sentence"])
    return Results(**tables, run=run)
