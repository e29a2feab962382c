"""The tables behind one document (its text, sentences and removed lines) and the tables the downloads serialise.

Pure pandas: every function takes result tables and returns DataFrames or plain values.
"""

from __future__ import annotations

import json

import pandas as pd


def text_sentences(texts: pd.DataFrame, doc_id: str) -> tuple[str, list[str]]:
    """Return one document's cleaned text and its sentence list (index = ``sent_idx``); ``("", [])`` when unknown."""
    rows = texts[texts["doc_id"] == doc_id]
    if rows.empty:
        return "", []
    r = rows.iloc[0]
    try:
        sents = json.loads(r["sentences"]) if isinstance(r["sentences"], str) else list(r["sentences"])
    except ValueError:
        sents = []
    return str(r["clean_text"] or ""), [str(s) for s in sents]


def document_sentences(sentences: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    """Return one document's scored sentences (one row per sentence × target), in text order."""
    cols = ["sent_idx", "target", "score", "raw_score", "p_favor", "p_against", "p_neutral", "weight", "position", "cue",
            "sentence"]
    rows = sentences[sentences["doc_id"] == doc_id]
    return rows[[c for c in cols if c in rows]].sort_values(["sent_idx", "target"]).reset_index(drop=True)


def document_removed(removed: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    """Return the lines cleaning removed from one document (``line_no, reason, text``), in line order."""
    rows = removed[removed["doc_id"] == doc_id]
    return rows[["line_no", "reason", "text"]].sort_values("line_no").reset_index(drop=True)


def export_tables(cells: pd.DataFrame, documents: pd.DataFrame, sentences: pd.DataFrame, row: str) -> dict[str, pd.DataFrame]:
    """Return the tables the download buttons serialise, restricted to the current filters.

    Takes matrix ``cells`` (:func:`app.cells.matrix_cells`), the filtered ``documents``, all
    ``sentences`` and the row column name. Returns ``matrix``: one row per group × target with
    label, score, confidence, interval and counts (the row key named ``row``); ``documents``:
    the filtered document rows (with ``label_source`` model/human); ``sentences``: the scored
    sentences of those documents and targets.
    """
    matrix = cells.drop(columns=["text", "hover"], errors="ignore").rename(columns={"row": row})
    docs = documents.drop(columns=["day"], errors="ignore")
    keep = sentences["doc_id"].isin(documents["doc_id"]) & sentences["target"].isin(documents["target"].unique())
    return {"matrix": matrix.reset_index(drop=True), "documents": docs.reset_index(drop=True),
            "sentences": sentences[keep].reset_index(drop=True)}
