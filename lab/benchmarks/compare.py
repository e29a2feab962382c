"""Compare two labelling runs table by table (the local and the Ray engine, or two runtimes)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from stance.engines.local import Results

#: Columns that can differ in float noise between engines, per table.
SCORE_COLUMNS = {"sentences": ["p_favor", "p_against", "p_neutral", "score"], "documents": ["score", "confidence"],
                 "sources": ["score"]}
EVIDENCE_COLUMNS = ("evidence_favor", "evidence_against")
RESULT_TABLES = ("sentences", "documents", "sources", "texts", "removed")


def evidence_differences(a: pd.DataFrame, b: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the document rows of two runs whose evidence lists differ, with both values.

    Evidence scores are rounded to 4 decimals, so a 1e-6 difference in a sentence score
    (another batch composition) can flip the last digit; such rows have ``rounding_only``.
    """
    rows = []
    for col in EVIDENCE_COLUMNS:
        for i in (a[col].to_numpy() != b[col].to_numpy()).nonzero()[0]:
            ea, eb = json.loads(a[col].iloc[i]), json.loads(b[col].iloc[i])
            same_sentences = [e["sent_idx"] for e in ea] == [e["sent_idx"] for e in eb]
            rounding_only = same_sentences and all(abs(x["score"] - y["score"]) <= 1.5e-4 for x, y in zip(ea, eb))
            rows.append({"doc_id": a["doc_id"].iloc[i], "target": a["target"].iloc[i], "column": col,
                         "rounding_only": rounding_only, "a": ea, "b": eb})
    return rows


def compare_results(a: Results, b: Results, atol: float = 1e-5) -> dict[str, Any]:
    """Compare two runs (e.g. local and Ray) table by table.

    Returns ``tables_equal`` (every table equal with scores within ``atol``, evidence equal
    up to the 4th-decimal rounding of its scores), ``document_labels_equal``,
    ``source_labels_equal``, ``max_score_diff``, the evidence rows that differ and, when
    unequal, ``first_difference``.
    """
    out: dict[str, Any] = {
        "document_labels_equal": list(a.documents["label"]) == list(b.documents["label"]),
        "source_labels_equal": list(a.sources["label"]) == list(b.sources["label"]),
    }
    try:
        out["max_score_diff"] = max(float(np.max(np.abs(getattr(a, t)[c].to_numpy(float) - getattr(b, t)[c].to_numpy(float)),
                                                 initial=0)) for t, cols in SCORE_COLUMNS.items() for c in cols)
        evidence = evidence_differences(a.documents, b.documents)
        out["evidence_rows_differing"] = len(evidence)
        out["evidence_rows_rounding_only"] = sum(e["rounding_only"] for e in evidence)
        out["evidence_differences"] = evidence[:10]
        for t in RESULT_TABLES:
            drop = list(EVIDENCE_COLUMNS) if t == "documents" else []
            pd.testing.assert_frame_equal(getattr(a, t).drop(columns=drop), getattr(b, t).drop(columns=drop),
                                          check_exact=False, atol=atol, rtol=0, obj=t)
        out["tables_equal"] = all(e["rounding_only"] for e in evidence)
    except (AssertionError, ValueError) as exc:  # ValueError: shapes differ before the frame check
        out["tables_equal"] = False
        out["first_difference"] = str(exc)[:2000]
    return out
