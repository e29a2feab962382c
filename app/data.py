"""Corpora and their document tables: find results folders, read a run's settings, prepare and summarise documents.

Nothing here imports Streamlit; every function takes DataFrames (and plain values) and
returns DataFrames, lists or plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from stance.io.results_folder import read_run, results_problem
from stance.settings import DOC_LABELS, AggregateSettings

#: Tables a results folder needs for the dashboard to list it (folders whose run.json does not name its files).
DOCUMENT_FILES = ("documents.parquet", "documents.csv", "documents.json")


def _candidates(root: Path) -> list[Path]:
    """Return the folders under ``root`` that look like results (hidden temporary folders of a write left out)."""
    if not root.is_dir():
        return []
    out = []
    for p in sorted(root.iterdir()):
        if p.name.startswith(".") or not p.is_dir():
            continue
        try:
            named = isinstance((read_run(p) or {}).get("files"), list)
        except ValueError:
            named = False  # run.json is not JSON: listed only with a documents table (then reported on opening)
        if named or any((p / f).is_file() for f in DOCUMENT_FILES):
            out.append(p)
    return out


def available_corpora(root: str | Path) -> list[str]:
    """Return the names of the results folders under ``root``, sorted (``[]`` when none).

    Listed: a folder whose ``run.json`` names its files (one whose files are missing too, so that
    opening it says why: :func:`app.cache.read_problem`), and an older folder holding a documents
    table. Hidden folders (a write in progress, swapped in when done) never are.
    """
    return [p.name for p in _candidates(Path(root))]


def corpus_problems(root: str | Path) -> dict[str, str]:
    """Return folder name → one-line reason, for the folders :func:`available_corpora` lists that cannot be read.

    Reasons: ``run.json`` names files that are missing or is not JSON, XLSX only, a table missing.
    """
    return {p.name: problem for p in _candidates(Path(root)) if (problem := results_problem(p))}


def default_corpus(names: Sequence[str], preferred: Sequence[str] = ("allsides", "seeds")) -> str | None:
    """Return the corpus to open first: the first of ``preferred`` in ``names``, else the first name (``None`` when empty)."""
    for name in preferred:
        if name in names:
            return name
    return names[0] if names else None


def aggregate_settings(run: dict) -> AggregateSettings:
    """Return the aggregation settings a run used, from its ``run.json`` dict (see ``AggregateSettings.from_run``)."""
    return AggregateSettings.from_run(run.get("aggregate") or {})


def corpus_targets(documents: pd.DataFrame, run: dict) -> list[str]:
    """Return the targets of a document table: those in run order (``run.json``) first, then any others found."""
    present = list(pd.unique(documents["target"]))
    order = [t for t in run.get("targets", []) if t in present]
    return order + [t for t in present if t not in order]


def parse_dates(values: pd.Series) -> pd.Series:
    """Return ``YYYY-MM-DD`` strings parsed as datetimes (longer ISO strings are cut); anything else becomes NaT."""
    text = values.fillna("").astype(str).str.slice(0, 10)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def prepare_documents(documents: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of a document table with the columns every view relies on: ``day`` (parsed date) and ``label_source``.

    Missing metadata columns (``title``, ``date``) are added empty so results from any run
    (or an upload) look alike.
    """
    out = documents.copy()
    for col in ("title", "date"):
        if col not in out:
            out[col] = ""
        out[col] = out[col].fillna("").astype(str)
    out["day"] = parse_dates(out["date"])
    if "label_source" not in out:
        out["label_source"] = "model"
    return out


def metadata_columns(documents: pd.DataFrame, max_values: int = 80) -> list[str]:
    """Return the metadata columns fit for grouping rows (2 to ``max_values`` distinct values), ``source`` first."""
    skip = {"doc_id", "title", "date", "url", "target", "label", "score", "confidence", "n_sentences", "n_attributed",
            "evidence_favor", "evidence_against", "day", "label_source", "label_model", "score_model",
            "confidence_model", "override_note", "language", "authors", "origin"}
    cols = ["source"]
    for col in documents.columns:
        if col in skip or col == "source" or documents[col].dtype.kind in "fiub":
            continue
        n = documents[col].nunique(dropna=True)
        if 1 < n <= max_values:
            cols.append(col)
    return cols


def date_bounds(documents: pd.DataFrame) -> tuple[date, date] | None:
    """Return the (first, last) document date of a table, or ``None`` when no document is dated."""
    days = documents["day"].dropna() if "day" in documents else parse_dates(documents["date"]).dropna()
    if days.empty:
        return None
    return days.min().date(), days.max().date()


def top_sources(documents: pd.DataFrame, n: int | None) -> list[str]:
    """Return the ``n`` sources with the most documents (ties by name); all of them when ``n`` is falsy."""
    counts = documents.drop_duplicates("doc_id")["source"].value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    names = [str(k) for k, _ in ranked]
    return names[:n] if n else names


def source_counts(documents: pd.DataFrame) -> pd.DataFrame:
    """Return one row per source: ``documents``, ``first`` and ``last`` date, and ``rating`` when known; most documents first."""
    docs = documents.drop_duplicates("doc_id")
    agg = {"documents": ("doc_id", "size"), "first": ("day", "min"), "last": ("day", "max")}
    if "rating" in docs:
        agg["rating"] = ("rating", "first")
    out = docs.groupby("source", sort=False).agg(**agg).reset_index()
    return out.sort_values(["documents", "source"], ascending=[False, True]).reset_index(drop=True)


def label_counts(documents: pd.DataFrame) -> dict[str, int]:
    """Return label → how many document × target rows carry it (all four labels present, zeros included)."""
    counts = documents["label"].value_counts()
    return {lab: int(counts.get(lab, 0)) for lab in DOC_LABELS}
