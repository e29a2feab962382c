"""Write and read the result tables in CSV, XLSX, JSON and Parquet.

A results folder holds ``sentences``, ``documents``, ``sources``, ``texts`` and
``removed`` tables (one file each, or one ``stance.xlsx`` workbook with a sheet each) and
``run.json`` describing the run (model, templates, counts, timings). Parquet, the app's
format, keeps text once: sentence text lives in ``texts``, and ``texts`` refers to the
corpus when the corpus is still there to re-derive it (``stance.io.texts``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from stance.engines.local import Results
from stance.io.texts import reference_texts, restore_texts

FORMATS = ("csv", "xlsx", "json", "parquet")
TABLES = ("sentences", "documents", "sources", "texts", "removed")
#: Excel's cell limit; longer cells (whole cleaned texts) are cut with a marker.
XLSX_MAX_CELL = 32_000


def _xlsx_safe(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(
                lambda v: v[:XLSX_MAX_CELL] + "…[cut]" if isinstance(v, str) and len(v) > XLSX_MAX_CELL else v)
    return out


def write_table(df: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write one table as ``fmt`` to ``path`` (suffix added); returns the file written."""
    path = path.with_suffix(f".{fmt}")
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "json":
        df.to_json(path, orient="records", force_ascii=False, indent=1)
    elif fmt == "parquet":
        # zstd at a high level halves committed tables (texts, sentences) at no reading cost
        df.to_parquet(path, index=False, compression="zstd", compression_level=19)
    elif fmt == "xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            _xlsx_safe(df).to_excel(xw, sheet_name=path.stem[:31], index=False)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return path


def tables_to_bytes(tables: dict[str, pd.DataFrame], fmt: str) -> bytes:
    """Serialise one or more tables to bytes (XLSX: a sheet per table; others: first table).

    Used by the dashboard's download buttons so downloads and CLI exports share one writer.
    """
    import io
    buf = io.BytesIO()
    if fmt == "xlsx":
        with pd.ExcelWriter(buf, engine="openpyxl") as xw:
            for name, df in tables.items():
                _xlsx_safe(df).to_excel(xw, sheet_name=name[:31], index=False)
        return buf.getvalue()
    df = next(iter(tables.values()))
    if fmt == "csv":
        return df.to_csv(index=False).encode()
    if fmt == "json":
        return df.to_json(orient="records", force_ascii=False, indent=1).encode()
    if fmt == "parquet":
        df.to_parquet(buf, index=False)
        return buf.getvalue()
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def write_results(results: Results, out: str | Path, formats: list[str] | tuple[str, ...] = ("csv",)) -> list[Path]:
    """Write every table of ``results`` to folder ``out`` in each of ``formats``.

    XLSX goes to one workbook ``stance.xlsx`` with a sheet per table. Returns the paths
    written (``run.json`` included).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {name: getattr(results, name) for name in TABLES}
    tables["sentences"] = _drop_redundant_premise(tables["sentences"])
    run = dict(results.run)
    compact_texts = None
    if "parquet" in formats and run.get("corpus_path"):
        compact_texts = reference_texts(tables["texts"], run["corpus_path"])
    if compact_texts is not None:
        run["texts_from_corpus"] = run["corpus_path"]
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        if fmt == "xlsx":
            path = out / "stance.xlsx"
            path.write_bytes(tables_to_bytes(tables, "xlsx"))
            written.append(path)
        else:
            for name, df in tables.items():
                if fmt == "parquet" and name == "sentences":
                    df = _drop_sentence_text(df, tables["texts"])
                if fmt == "parquet" and name == "texts" and compact_texts is not None:
                    df = compact_texts  # the corpus holds the text; see stance.io.texts
                written.append(write_table(df, out / name, fmt))
    run_path = out / "run.json"
    run_path.write_text(json.dumps(run, indent=1, ensure_ascii=False, default=str) + "\n")
    written.append(run_path)
    return written


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


def read_results(folder: str | Path) -> Results:
    """Read a results folder written by :func:`write_results` (Parquet preferred, then CSV, JSON).

    Raises ``FileNotFoundError`` naming the folder when a table is missing.
    """
    folder = Path(folder)
    tables = {}
    for name in TABLES:
        readers = (("parquet", pd.read_parquet),
                   ("csv", lambda p: pd.read_csv(p, keep_default_na=False, na_values=[""])),
                   ("json", lambda p: pd.read_json(p, orient="records")))
        for fmt, reader in readers:
            path = folder / f"{name}.{fmt}"
            if path.is_file():
                tables[name] = reader(path)
                break
        else:
            raise FileNotFoundError(f"{folder}: no {name} table (.parquet, .csv or .json)")
    run_path = folder / "run.json"
    run = json.loads(run_path.read_text()) if run_path.is_file() else {}
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
