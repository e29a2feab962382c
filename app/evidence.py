"""Evidence sentences of documents and the side-by-side panels that compare sources (or documents) toward one target.

Pure pandas: every function takes DataFrames or document rows and returns lists of plain
dicts or :class:`Panel` objects. Texts come back raw: :mod:`app.markup` escapes them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.grouping import group_stance
from app.labels import doc_label
from stance.settings import AggregateSettings


def evidence_items(row: dict | pd.Series) -> list[dict]:
    """Return a document row's evidence sentences (both sides), strongest (largest |score|) first.

    Each item: ``sent_idx, text, score, attributed, side``; malformed JSON gives no items.
    """
    items = []
    for side in ("favor", "against"):
        raw = row.get(f"evidence_{side}") or "[]"
        try:
            parsed = json.loads(raw) if isinstance(raw, str) else list(raw)
        except (TypeError, ValueError):
            parsed = []
        items.extend({**it, "side": side} for it in parsed if isinstance(it, dict))
    return sorted(items, key=lambda it: (-abs(float(it.get("score", 0))), int(it.get("sent_idx", 0))))


def strongest_evidence(row: dict | pd.Series, k: int = 3) -> list[dict]:
    """Return the ``k`` strongest evidence items of a document row (see :func:`evidence_items`)."""
    return evidence_items(row)[:k]


@dataclass
class Panel:
    """One column of the side-by-side view: a source (or document) toward one target."""

    key: str
    title: str
    label: str
    score: float
    confidence: float
    ci_low: float
    ci_high: float
    n_documents: int
    n_documents_total: int
    n_sentences: int
    n_human: int
    excerpts: list[dict]


def compare_panels(documents: pd.DataFrame, target: str, keys: Sequence[str], column: str,
                   settings: AggregateSettings, k: int = 6) -> list[Panel]:
    """Return one :class:`Panel` per key of ``keys``, values of ``column`` (``source``, ``doc_id``, ``rating``, ...).

    Each panel carries the group's stance toward ``target`` (from
    :func:`app.grouping.group_stance`, so it matches the matrix) and up to ``k`` evidence
    excerpts from its documents, strongest first; each excerpt names its document, date and
    whether it is quoted speech. A key with no documents gives a "not mentioned" panel.
    """
    rows = documents[documents["target"] == target]
    panels = []
    for key in keys:
        sel = rows[rows[column].astype(str) == str(key)]
        stance = group_stance(sel, column, settings)
        s = stance.iloc[0].to_dict() if len(stance) else {}
        excerpts = []
        for r in sel.to_dict("records"):
            for it in evidence_items(r):
                excerpts.append({**it, "doc_id": r["doc_id"], "title": r.get("title", ""), "date": r.get("date", ""),
                                 "source": r.get("source", ""), "doc_label": r["label"],
                                 "human": r.get("label_source") == "human"})
        excerpts.sort(key=lambda it: (-abs(float(it["score"])), str(it["doc_id"]), int(it["sent_idx"])))
        title = doc_label(sel.iloc[0]) if column == "doc_id" and len(sel) else str(key)
        panels.append(Panel(
            key=str(key), title=title, label=s.get("label", "not_mentioned"), score=float(s.get("score", np.nan)),
            confidence=float(s.get("confidence", np.nan)), ci_low=float(s.get("ci_low", np.nan)),
            ci_high=float(s.get("ci_high", np.nan)), n_documents=int(s.get("n_documents", 0)),
            n_documents_total=int(s.get("n_documents_total", 0)), n_sentences=int(s.get("n_sentences", 0)),
            n_human=int(s.get("n_human", 0)), excerpts=excerpts[:k]))
    return panels
